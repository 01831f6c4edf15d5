/*
 * The transform kernels on a CUDA device: inferwire_math.h applied by grid-stride
 * loops, so the bytes are those of the host build and of the Java scalar reference.
 * Built into inferwire_kernels.fatbin (sm_80, sm_90 and compute_90 PTX) with
 * --fmad=false -ftz=false -prec-div=true -prec-sqrt=true; the math also uses explicit
 * __f*_rn intrinsics, so neither contraction nor flush-to-zero can change a bit.
 *
 * Device buffers come from cudaMalloc (aligned); counts are trusted here: the host
 * side that launches a kernel has checked every size. Names are extern "C" so that a
 * loader (cuModuleGetFunction) finds them unmangled.
 *
 * Block packing on the device runs in three launches: iw_k_block_widths (one thread
 * per 16-value block: width byte and data size), iw_k_scan_sizes (exclusive prefix sum
 * of the sizes, one thread block), iw_k_pack_blocks (one thread per block writes its
 * 2w bytes at its offset). Unpacking: iw_k_unpack_sizes (checks widths), the same
 * scan, then iw_k_unpack_blocks; the host compares the total with the input length
 * before the last launch.
 */
#include <stdint.h>

#include "inferwire_math.h"

#define IW_GRID_STRIDE(i, n)                                                                                          \
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (int64_t)blockDim.x * gridDim.x)

extern "C" __global__ void iw_k_xor_split(const uint32_t *__restrict__ x, const uint32_t *__restrict__ ref,
                                          int32_t has_ref, uint8_t *__restrict__ planes, int64_t n) {
    IW_GRID_STRIDE(i, n) {
        uint32_t w = iw_xor(x[i], has_ref ? ref[i] : 0u);
        planes[i] = iw_plane_byte(w, 0);
        planes[n + i] = iw_plane_byte(w, 1);
        planes[2 * n + i] = iw_plane_byte(w, 2);
        planes[3 * n + i] = iw_plane_byte(w, 3);
    }
}

extern "C" __global__ void iw_k_xor_merge(const uint8_t *__restrict__ planes, const uint32_t *__restrict__ ref,
                                          int32_t has_ref, uint32_t *__restrict__ out, int64_t n) {
    IW_GRID_STRIDE(i, n) {
        uint32_t w = iw_plane_merge(planes[i], planes[n + i], planes[2 * n + i], planes[3 * n + i]);
        out[i] = has_ref ? iw_xor(w, ref[i]) : w;
    }
}

/* next may be prev (each thread reads its prev[i] before it writes next[i]): no __restrict__ on them. */
extern "C" __global__ void iw_k_quantize(const uint32_t *__restrict__ x, const uint32_t *prev, int32_t intra,
                                         float step, float inverse, float accept, uint32_t *__restrict__ z,
                                         uint32_t *next, int64_t n, unsigned long long *escapes) {
    unsigned long long mine = 0;
    IW_GRID_STRIDE(i, n) {
        float r = intra ? 0.0f : iw_u2f(prev[i]);
        uint32_t rn;
        uint32_t code = iw_quantize1(x[i], r, step, inverse, accept, &rn);
        next[i] = rn;
        z[i] = code;
        mine += code == IW_ESCAPE;
    }
    if (mine != 0) {
        atomicAdd(escapes, mine);
    }
}

extern "C" __global__ void iw_k_dequantize(const uint32_t *__restrict__ z, const uint32_t *prev, int32_t intra,
                                           float step, uint32_t *next, int64_t n) {
    IW_GRID_STRIDE(i, n) {
        uint32_t code = z[i];
        if (code != IW_ESCAPE) {
            float r = intra ? 0.0f : iw_u2f(prev[i]);
            next[i] = iw_f2u(iw_dequantize1(code, r, step));
        }
    }
}

__device__ __forceinline__ void iw_d_load_block(const uint32_t *z, int64_t n, int64_t b, uint32_t v[IW_BLOCK]) {
    int64_t base = b * IW_BLOCK;
#pragma unroll
    for (int k = 0; k < IW_BLOCK; k++) {
        v[k] = base + k < n ? z[base + k] : 0u;
    }
}

/*
 * Width byte of every block into widths[b] (the head of the packed output) and its data
 * size 2w into sizes[b]; *bad is set when a code is 2^24 or more (not packable).
 */
extern "C" __global__ void iw_k_block_widths(const uint32_t *__restrict__ z, int64_t n, uint8_t *__restrict__ widths,
                                             unsigned long long *__restrict__ sizes, int32_t *bad) {
    int64_t blocks = (n + IW_BLOCK - 1) / IW_BLOCK;
    IW_GRID_STRIDE(b, blocks) {
        uint32_t v[IW_BLOCK];
        iw_d_load_block(z, n, b, v);
        uint32_t w = iw_block_width(v);
        if (w > IW_MAX_WIDTH) {
            atomicExch(bad, 1);
            w = 0;
        }
        widths[b] = (uint8_t)w;
        sizes[b] = 2ull * w;
    }
}

/* Sizes of packed input blocks from their width bytes; *bad is set for a width above 24. */
extern "C" __global__ void iw_k_unpack_sizes(const uint8_t *__restrict__ widths, int64_t blocks,
                                             unsigned long long *__restrict__ sizes, int32_t *bad) {
    IW_GRID_STRIDE(b, blocks) {
        uint32_t w = widths[b];
        if (w > IW_MAX_WIDTH) {
            atomicExch(bad, 1);
            w = 0;
        }
        sizes[b] = 2ull * w;
    }
}

#define IW_SCAN_THREADS 1024
#define IW_SCAN_TILE 1024

/*
 * First step of the prefix sum over many thread blocks: each block of IW_SCAN_TILE
 * threads scans one tile of sizes in place (exclusive, warp shuffles, coalesced) and
 * writes the tile's total to tile_sums[tile]. Launch with ceil(count / IW_SCAN_TILE)
 * blocks of IW_SCAN_TILE threads; then iw_k_scan_sizes over tile_sums (one block) and
 * iw_k_scan_add finish it. Integer sums: the order of additions cannot change a bit.
 */
extern "C" __global__ void iw_k_scan_tiles(unsigned long long *sizes, int64_t count,
                                           unsigned long long *__restrict__ tile_sums) {
    __shared__ unsigned long long warp_sums[IW_SCAN_TILE / 32];
    int64_t i = (int64_t)blockIdx.x * IW_SCAN_TILE + threadIdx.x;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    unsigned long long v = i < count ? sizes[i] : 0ull;
    unsigned long long x = v;
    for (int d = 1; d < 32; d <<= 1) { /* inclusive scan within the warp */
        unsigned long long y = __shfl_up_sync(0xffffffffu, x, d);
        if (lane >= d) {
            x += y;
        }
    }
    if (lane == 31) {
        warp_sums[warp] = x;
    }
    __syncthreads();
    if (warp == 0) { /* inclusive scan of the 32 warp totals */
        unsigned long long w = warp_sums[lane];
        for (int d = 1; d < 32; d <<= 1) {
            unsigned long long y = __shfl_up_sync(0xffffffffu, w, d);
            if (lane >= d) {
                w += y;
            }
        }
        warp_sums[lane] = w;
    }
    __syncthreads();
    unsigned long long before = warp == 0 ? 0ull : warp_sums[warp - 1];
    if (i < count) {
        sizes[i] = before + x - v;
    }
    if (threadIdx.x == IW_SCAN_TILE - 1) {
        tile_sums[blockIdx.x] = before + x;
    }
}

/* Last step: adds each tile's offset (tile_offsets = the scanned tile sums) to its sizes. */
extern "C" __global__ void iw_k_scan_add(unsigned long long *sizes, int64_t count,
                                         const unsigned long long *__restrict__ tile_offsets) {
    IW_GRID_STRIDE(i, count) {
        sizes[i] += tile_offsets[i / IW_SCAN_TILE];
    }
}

/*
 * Exclusive prefix sum of count sizes in place, and the total into *total: launch with
 * one block of IW_SCAN_THREADS threads. Each thread sums a contiguous run, the block
 * scans the run sums, each thread then rewrites its run.
 */
extern "C" __global__ void iw_k_scan_sizes(unsigned long long *sizes, int64_t count, unsigned long long *total) {
    __shared__ unsigned long long sums[IW_SCAN_THREADS];
    int t = threadIdx.x;
    int64_t per = (count + IW_SCAN_THREADS - 1) / IW_SCAN_THREADS;
    int64_t from = t * per;
    int64_t to = from + per < count ? from + per : count;
    unsigned long long s = 0;
    for (int64_t k = from; k < to; k++) {
        s += sizes[k];
    }
    sums[t] = s;
    __syncthreads();
    for (int d = 1; d < IW_SCAN_THREADS; d <<= 1) { /* Hillis-Steele, inclusive */
        unsigned long long add = t >= d ? sums[t - d] : 0ull;
        __syncthreads();
        sums[t] += add;
        __syncthreads();
    }
    unsigned long long run = sums[t] - s;
    for (int64_t k = from; k < to; k++) {
        unsigned long long size = sizes[k];
        sizes[k] = run;
        run += size;
    }
    if (t == IW_SCAN_THREADS - 1) {
        *total = sums[t];
    }
}

/* Block b's 2w bytes at data + offsets[b] (data = the packed output past its width bytes). */
extern "C" __global__ void iw_k_pack_blocks(const uint32_t *__restrict__ z, int64_t n,
                                            const uint8_t *__restrict__ widths,
                                            const unsigned long long *__restrict__ offsets,
                                            uint8_t *__restrict__ data) {
    int64_t blocks = (n + IW_BLOCK - 1) / IW_BLOCK;
    IW_GRID_STRIDE(b, blocks) {
        uint32_t w = widths[b];
        if (w != 0) {
            uint32_t v[IW_BLOCK];
            iw_d_load_block(z, n, b, v);
            iw_pack_block(v, w, data + offsets[b]);
        }
    }
}

/* n codes from packed blocks whose widths were checked and whose offsets were scanned. */
extern "C" __global__ void iw_k_unpack_blocks(const uint8_t *__restrict__ widths,
                                              const unsigned long long *__restrict__ offsets,
                                              const uint8_t *__restrict__ data, uint32_t *__restrict__ z,
                                              int64_t n) {
    int64_t blocks = (n + IW_BLOCK - 1) / IW_BLOCK;
    IW_GRID_STRIDE(b, blocks) {
        uint32_t v[IW_BLOCK];
        iw_unpack_block(data + offsets[b], widths[b], v);
        int64_t base = b * IW_BLOCK;
#pragma unroll
        for (int k = 0; k < IW_BLOCK; k++) {
            if (base + k < n) {
                z[base + k] = v[k];
            }
        }
    }
}
