/*
 * gpu_check: runs every transform kernel on a CUDA device and through the host library
 * on the golden vectors (src/test/resources/golden/, layout in its README) and compares
 * bits; then times the kernels on a 1M-value frame. Needs no JDK.
 *
 *   gpu_check GOLDEN_DIR
 *
 * Prints PASS or FAIL per golden file, for the host build and for the device. Exit
 * status: 0 when everything passed, 1 on any FAIL (or a missing file), 2 when the host
 * checks passed but there is no usable CUDA device (device checks skipped), 3 when a
 * CUDA call failed.
 */
#include <cuda_runtime.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vector>

#include "inferwire.h"
#include "inferwire_kernels.cu"

#define CK(call)                                                                                                      \
    do {                                                                                                              \
        cudaError_t e_ = (call);                                                                                      \
        if (e_ != cudaSuccess) {                                                                                      \
            fprintf(stderr, "%s failed: %s (%s:%d)\n", #call, cudaGetErrorString(e_), __FILE__, __LINE__);           \
            exit(3);                                                                                                  \
        }                                                                                                             \
    } while (0)

static const int64_t N = 389;
static const int FRAMES = 3;
static const int CASES = 5;
static const int QUANT_CASES[CASES][2] = {{0, -1}, {1, -1}, {2, -1}, {1, 0}, {2, 3}};
static const char *TAGS[2] = {"1e-4", "1e-2"};
static const double BOUNDS[2] = {1e-4, 1e-2};

static bool g_device = false;
static int g_failures = 0;
static const char *g_dir;

typedef std::vector<uint8_t> Bytes;

static Bytes read_file(const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "rb");
    Bytes b;
    if (f == NULL) {
        printf("FAIL %-28s cannot open %s\n", name, path);
        g_failures++;
        return b;
    }
    uint8_t buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        b.insert(b.end(), buf, buf + got);
    }
    fclose(f);
    return b;
}

static uint32_t u32_at(const Bytes &b, size_t at) {
    return (uint32_t)b[at] | (uint32_t)b[at + 1] << 8 | (uint32_t)b[at + 2] << 16 | (uint32_t)b[at + 3] << 24;
}

/* The first differing byte, or -1. */
static long mismatch(const Bytes &a, const Bytes &b) {
    if (a.size() != b.size()) {
        return (long)(a.size() < b.size() ? a.size() : b.size());
    }
    for (size_t i = 0; i < a.size(); i++) {
        if (a[i] != b[i]) {
            return (long)i;
        }
    }
    return -1;
}

static void report(const char *file, const char *where, const Bytes &expected, const Bytes &actual) {
    long at = mismatch(expected, actual);
    if (at < 0) {
        printf("PASS %-28s %s\n", file, where);
    } else {
        printf("FAIL %-28s %s: differs at byte %ld (value %ld; %zu bytes, golden %zu)\n", file, where, at, at / 4,
               actual.size(), expected.size());
        g_failures++;
    }
}

template <typename T> static T *dev_copy(const void *host, size_t bytes) {
    T *d;
    CK(cudaMalloc(&d, bytes < 1 ? 1 : bytes));
    if (bytes > 0) {
        CK(cudaMemcpy(d, host, bytes, cudaMemcpyHostToDevice));
    }
    return d;
}

static Bytes dev_read(const void *d, size_t bytes) {
    Bytes b(bytes);
    if (bytes > 0) {
        CK(cudaMemcpy(b.data(), d, bytes, cudaMemcpyDeviceToHost));
    }
    return b;
}

static int grid_for(int64_t n) {
    int64_t g = (n + 255) / 256;
    return (int)(g < 1 ? 1 : (g > 8192 ? 8192 : g));
}

/* Device scratch for packing: block sizes/offsets, the total, the bad flag. */
struct PackScratch {
    unsigned long long *sizes;
    unsigned long long *total;
    int32_t *bad;
};

static PackScratch scratch_for(int64_t n) {
    PackScratch s;
    int64_t blocks = (n + IW_BLOCK - 1) / IW_BLOCK;
    int64_t tiles = (blocks + IW_SCAN_TILE - 1) / IW_SCAN_TILE;
    CK(cudaMalloc(&s.sizes, 8 * (blocks + tiles < 1 ? 1 : blocks + tiles))); /* sizes, then tile sums */
    CK(cudaMalloc(&s.total, 8));
    CK(cudaMalloc(&s.bad, 4));
    return s;
}

static void scratch_free(PackScratch s) {
    CK(cudaFree(s.sizes));
    CK(cudaFree(s.total));
    CK(cudaFree(s.bad));
}

/* Exclusive prefix sum of the blocks' sizes over many thread blocks; the total into s.total. */
static void dev_scan(PackScratch s, int64_t blocks) {
    int64_t tiles = (blocks + IW_SCAN_TILE - 1) / IW_SCAN_TILE;
    unsigned long long *tile_sums = s.sizes + blocks;
    iw_k_scan_tiles<<<(unsigned)tiles, IW_SCAN_TILE>>>(s.sizes, blocks, tile_sums);
    iw_k_scan_sizes<<<1, IW_SCAN_THREADS>>>(tile_sums, tiles, s.total);
    iw_k_scan_add<<<grid_for(blocks), 256>>>(s.sizes, blocks, tile_sums);
}

/* Launches the packing kernels; the packed size is read back only when size != NULL. */
static void dev_pack_launch(const uint32_t *d_z, int64_t n, uint8_t *d_out, PackScratch s) {
    int64_t blocks = (n + IW_BLOCK - 1) / IW_BLOCK;
    iw_k_block_widths<<<grid_for(blocks), 256>>>(d_z, n, d_out, s.sizes, s.bad);
    dev_scan(s, blocks);
    iw_k_pack_blocks<<<grid_for(blocks), 256>>>(d_z, n, d_out, s.sizes, d_out + blocks);
}

static int64_t dev_pack(const uint32_t *d_z, int64_t n, uint8_t *d_out, PackScratch s) {
    int64_t blocks = (n + IW_BLOCK - 1) / IW_BLOCK;
    CK(cudaMemset(s.bad, 0, 4));
    dev_pack_launch(d_z, n, d_out, s);
    CK(cudaGetLastError());
    unsigned long long total;
    int32_t bad;
    CK(cudaMemcpy(&total, s.total, 8, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(&bad, s.bad, 4, cudaMemcpyDeviceToHost));
    return bad ? IW_E_ARG : blocks + (int64_t)total;
}

static int64_t dev_unpack(const uint8_t *d_in, int64_t length, uint32_t *d_z, int64_t n, PackScratch s) {
    int64_t blocks = (n + IW_BLOCK - 1) / IW_BLOCK;
    if (length < blocks) {
        return IW_E_CORRUPT;
    }
    CK(cudaMemset(s.bad, 0, 4));
    iw_k_unpack_sizes<<<grid_for(blocks), 256>>>(d_in, blocks, s.sizes, s.bad);
    dev_scan(s, blocks);
    CK(cudaGetLastError());
    unsigned long long total;
    int32_t bad;
    CK(cudaMemcpy(&total, s.total, 8, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(&bad, s.bad, 4, cudaMemcpyDeviceToHost));
    if (bad || (int64_t)total > length - blocks) {
        return IW_E_CORRUPT;
    }
    iw_k_unpack_blocks<<<grid_for(blocks), 256>>>(d_in, s.sizes, d_in + blocks, d_z, n);
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    return blocks + (int64_t)total;
}

static void check_xor(const Bytes &input) {
    const size_t fb = 4 * N;
    Bytes key_h(FRAMES * fb), delta_h((FRAMES - 1) * fb), merge_h((FRAMES - 1) * fb);
    for (int f = 0; f < FRAMES; f++) {
        iw_xor_split(&input[f * fb], fb, NULL, 0, 0, &key_h[f * fb], fb, N);
    }
    for (int f = 1; f < FRAMES; f++) {
        iw_xor_split(&input[f * fb], fb, &input[(f - 1) * fb], fb, 1, &delta_h[(f - 1) * fb], fb, N);
    }
    Bytes key = read_file("xor_key.bin"), delta = read_file("xor_delta.bin"), merge = read_file("xor_merge.bin");
    if (key.size() != FRAMES * fb || merge.size() != (FRAMES - 1) * fb) {
        report("xor_key.bin", "size", key, key_h);
        return;
    }
    for (int f = 1; f < FRAMES; f++) {
        iw_xor_merge(&key[f * fb], fb, &input[(f - 1) * fb], fb, 1, &merge_h[(f - 1) * fb], fb, N);
    }
    report("xor_key.bin", "host", key, key_h);
    report("xor_delta.bin", "host", delta, delta_h);
    report("xor_merge.bin", "host", merge, merge_h);
    if (!g_device) {
        return;
    }
    uint32_t *d_in = dev_copy<uint32_t>(input.data(), input.size());
    uint8_t *d_key = dev_copy<uint8_t>(key.data(), key.size());
    uint8_t *d_planes;
    uint32_t *d_out;
    CK(cudaMalloc(&d_planes, FRAMES * fb));
    CK(cudaMalloc(&d_out, FRAMES * fb));
    for (int f = 0; f < FRAMES; f++) {
        iw_k_xor_split<<<grid_for(N), 256>>>(d_in + f * N, NULL, 0, d_planes + f * fb, N);
    }
    CK(cudaGetLastError());
    report("xor_key.bin", "device", key, dev_read(d_planes, FRAMES * fb));
    for (int f = 1; f < FRAMES; f++) {
        iw_k_xor_split<<<grid_for(N), 256>>>(d_in + f * N, d_in + (f - 1) * N, 1, d_planes + (f - 1) * fb, N);
        iw_k_xor_merge<<<grid_for(N), 256>>>(d_key + f * fb, d_in + (f - 1) * N, 1, d_out + (f - 1) * N, N);
    }
    CK(cudaGetLastError());
    report("xor_delta.bin", "device", delta, dev_read(d_planes, (FRAMES - 1) * fb));
    report("xor_merge.bin", "device", merge, dev_read(d_out, (FRAMES - 1) * fb));
    CK(cudaFree(d_in));
    CK(cudaFree(d_key));
    CK(cudaFree(d_planes));
    CK(cudaFree(d_out));
}

static void put_u32(Bytes &b, size_t at, uint32_t v) {
    memcpy(&b[at], &v, 4); /* little-endian hosts only (x86-64, aarch64) */
}

static void check_quant(const Bytes &input, Bytes &packRecords, Bytes &devPackRecords) {
    const size_t fb = 4 * N;
    Bytes params_h(40);
    iw_params p[2];
    for (int k = 0; k < 2; k++) {
        iw_quant_params(BOUNDS[k], &p[k]);
        memcpy(&params_h[20 * k], &p[k].bound, 8);
        memcpy(&params_h[20 * k + 8], &p[k].step, 4);
        memcpy(&params_h[20 * k + 12], &p[k].inverse, 4);
        memcpy(&params_h[20 * k + 16], &p[k].accept, 4);
    }
    report("quant_params.bin", "host", read_file("quant_params.bin"), params_h);
    Bytes codes = read_file("dequant_codes.bin");
    if (codes.size() != fb) {
        return;
    }
    Bytes packed(iw_max_packed_bytes(N));
    uint32_t *d_in = NULL, *d_z = NULL, *d_recon = NULL, *d_codes = NULL, *d_deq = NULL;
    unsigned long long *d_esc = NULL;
    uint8_t *d_packed = NULL;
    PackScratch s = {};
    if (g_device) {
        d_in = dev_copy<uint32_t>(input.data(), input.size());
        d_codes = dev_copy<uint32_t>(codes.data(), codes.size());
        CK(cudaMalloc(&d_z, CASES * fb));
        CK(cudaMalloc(&d_recon, CASES * fb));
        CK(cudaMalloc(&d_deq, 2 * fb));
        CK(cudaMalloc(&d_esc, 8));
        CK(cudaMalloc(&d_packed, packed.size()));
        s = scratch_for(N);
    }
    for (int k = 0; k < 2; k++) {
        char zname[64], rname[64], ename[64], dname[64];
        snprintf(zname, sizeof zname, "quant_%s_z.bin", TAGS[k]);
        snprintf(rname, sizeof rname, "quant_%s_recon.f32", TAGS[k]);
        snprintf(ename, sizeof ename, "quant_%s_escapes.bin", TAGS[k]);
        snprintf(dname, sizeof dname, "dequant_%s.f32", TAGS[k]);
        Bytes z_h(CASES * fb), recon_h(CASES * fb), esc_h(4 * CASES), deq_h(2 * fb, 0);
        for (int c = 0; c < CASES; c++) {
            int frame = QUANT_CASES[c][0], against = QUANT_CASES[c][1];
            int64_t e = iw_quantize(&input[frame * fb], fb, &recon_h[(against < 0 ? 0 : against) * fb], fb,
                                    against < 0, p[k].step, p[k].inverse, p[k].accept, &z_h[c * fb], fb,
                                    &recon_h[c * fb], fb, N);
            put_u32(esc_h, 4 * c, (uint32_t)e);
            int64_t len = iw_pack(&z_h[c * fb], fb, packed.data(), packed.size(), N);
            Bytes rec(4);
            put_u32(rec, 0, (uint32_t)len);
            packRecords.insert(packRecords.end(), rec.begin(), rec.end());
            packRecords.insert(packRecords.end(), packed.begin(), packed.begin() + (len < 0 ? 0 : len));
        }
        iw_dequantize(codes.data(), fb, NULL, 0, 1, p[k].step, &deq_h[0], fb, N);
        iw_dequantize(codes.data(), fb, &recon_h[0], fb, 0, p[k].step, &deq_h[fb], fb, N);
        for (int64_t i = 0; i < N; i++) {
            if (u32_at(codes, 4 * i) == IW_ESCAPE) {
                put_u32(deq_h, 4 * i, 0);
                put_u32(deq_h, fb + 4 * i, 0);
            }
        }
        Bytes z = read_file(zname), recon = read_file(rname), esc = read_file(ename), deq = read_file(dname);
        report(zname, "host", z, z_h);
        report(rname, "host", recon, recon_h);
        report(ename, "host", esc, esc_h);
        report(dname, "host", deq, deq_h);
        if (!g_device) {
            continue;
        }
        Bytes esc_d(4 * CASES);
        for (int c = 0; c < CASES; c++) {
            int frame = QUANT_CASES[c][0], against = QUANT_CASES[c][1];
            CK(cudaMemset(d_esc, 0, 8));
            iw_k_quantize<<<grid_for(N), 256>>>(d_in + frame * N, d_recon + (against < 0 ? 0 : against) * N,
                                               against < 0, p[k].step, p[k].inverse, p[k].accept, d_z + c * N,
                                               d_recon + c * N, N, d_esc);
            CK(cudaGetLastError());
            unsigned long long e;
            CK(cudaMemcpy(&e, d_esc, 8, cudaMemcpyDeviceToHost));
            put_u32(esc_d, 4 * c, (uint32_t)e);
            int64_t len = dev_pack(d_z + c * N, N, d_packed, s);
            Bytes rec(4);
            put_u32(rec, 0, (uint32_t)len);
            Bytes data = dev_read(d_packed, len < 0 ? 0 : len);
            devPackRecords.insert(devPackRecords.end(), rec.begin(), rec.end());
            devPackRecords.insert(devPackRecords.end(), data.begin(), data.end());
        }
        CK(cudaMemset(d_deq, 0, 2 * fb));
        iw_k_dequantize<<<grid_for(N), 256>>>(d_codes, NULL, 1, p[k].step, d_deq, N);
        iw_k_dequantize<<<grid_for(N), 256>>>(d_codes, d_recon, 0, p[k].step, d_deq + N, N);
        CK(cudaGetLastError());
        Bytes deq_d = dev_read(d_deq, 2 * fb);
        for (int64_t i = 0; i < N; i++) {
            if (u32_at(codes, 4 * i) == IW_ESCAPE) {
                put_u32(deq_d, 4 * i, 0);
                put_u32(deq_d, fb + 4 * i, 0);
            }
        }
        report(zname, "device", z, dev_read(d_z, CASES * fb));
        report(rname, "device", recon, dev_read(d_recon, CASES * fb));
        report(ename, "device", esc, esc_d);
        report(dname, "device", deq, deq_d);
    }
    int64_t len = iw_pack(codes.data(), fb, packed.data(), packed.size(), N);
    Bytes rec(4);
    put_u32(rec, 0, (uint32_t)len);
    packRecords.insert(packRecords.end(), rec.begin(), rec.end());
    packRecords.insert(packRecords.end(), packed.begin(), packed.begin() + (len < 0 ? 0 : len));
    if (g_device) {
        len = dev_pack(d_codes, N, d_packed, s);
        Bytes data = dev_read(d_packed, len < 0 ? 0 : len);
        devPackRecords.insert(devPackRecords.end(), rec.begin(), rec.end());
        put_u32(devPackRecords, devPackRecords.size() - 4, (uint32_t)len);
        devPackRecords.insert(devPackRecords.end(), data.begin(), data.end());
        CK(cudaFree(d_in));
        CK(cudaFree(d_codes));
        CK(cudaFree(d_z));
        CK(cudaFree(d_recon));
        CK(cudaFree(d_deq));
        CK(cudaFree(d_esc));
        CK(cudaFree(d_packed));
        scratch_free(s);
    }
}

/* pack.bin: our packing of the golden codes, and unpack of every golden record back to them. */
static void check_pack(const Bytes &packRecords, const Bytes &devPackRecords) {
    const size_t fb = 4 * N;
    Bytes pack = read_file("pack.bin");
    report("pack.bin", "host pack", pack, packRecords);
    if (g_device) {
        report("pack.bin", "device pack", pack, devPackRecords);
    }
    std::vector<Bytes> sources;
    for (int k = 0; k < 2; k++) {
        char zname[64];
        snprintf(zname, sizeof zname, "quant_%s_z.bin", TAGS[k]);
        Bytes z = read_file(zname);
        if (z.size() != CASES * fb) {
            return;
        }
        for (int c = 0; c < CASES; c++) {
            sources.push_back(Bytes(z.begin() + c * fb, z.begin() + (c + 1) * fb));
        }
    }
    sources.push_back(read_file("dequant_codes.bin"));
    Bytes expect, got_h, got_d;
    uint8_t *d_pack = g_device ? dev_copy<uint8_t>(pack.data(), pack.size()) : NULL;
    uint32_t *d_z = NULL;
    PackScratch s = {};
    if (g_device) {
        CK(cudaMalloc(&d_z, fb));
        s = scratch_for(N);
    }
    size_t at = 0;
    for (size_t r = 0; r < sources.size() && at + 4 <= pack.size(); r++) {
        int64_t len = u32_at(pack, at);
        Bytes z(fb);
        int64_t used = iw_unpack(&pack[at + 4], len, z.data(), fb, N);
        expect.insert(expect.end(), sources[r].begin(), sources[r].end());
        got_h.insert(got_h.end(), z.begin(), z.end());
        if (used != len) {
            printf("FAIL %-28s host unpack of record %zu consumed %lld of %lld bytes\n", "pack.bin", r,
                   (long long)used, (long long)len);
            g_failures++;
        }
        if (g_device) {
            int64_t used_d = dev_unpack(d_pack + at + 4, len, d_z, N, s);
            Bytes zd = dev_read(d_z, fb);
            got_d.insert(got_d.end(), zd.begin(), zd.end());
            if (used_d != len) {
                printf("FAIL %-28s device unpack of record %zu consumed %lld of %lld bytes\n", "pack.bin", r,
                       (long long)used_d, (long long)len);
                g_failures++;
            }
        }
        at += 4 + len;
    }
    report("pack.bin", "host unpack", expect, got_h);
    if (g_device) {
        report("pack.bin", "device unpack", expect, got_d);
        CK(cudaFree(d_pack));
        CK(cudaFree(d_z));
        scratch_free(s);
    }
}

/* Kernel times on one 1M-value frame (correlated with the previous one, bound 1e-4). */
static void timings(void) {
    const int64_t n = 1 << 20;
    const size_t bytes = 4 * n;
    float *h_x, *h_prev;
    uint8_t *h_packed, *h_raw;
    CK(cudaMallocHost(&h_x, bytes));
    CK(cudaMallocHost(&h_prev, bytes));
    CK(cudaMallocHost(&h_raw, bytes));
    CK(cudaMallocHost(&h_packed, iw_max_packed_bytes(n)));
    uint64_t st = 0x9E3779B97F4A7C15ull;
    for (int64_t i = 0; i < n; i++) {
        /* a cheap deterministic noise: sums of uniforms, sigma about 0.05 and 2e-4 */
        float u = 0, w = 0;
        for (int k = 0; k < 4; k++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            u += (float)((st >> 40) & 0xFFFFFF) / 16777216.0f - 0.5f;
            w += (float)((st >> 16) & 0xFFFFFF) / 16777216.0f - 0.5f;
        }
        h_prev[i] = u * 0.0866f;
        h_x[i] = h_prev[i] + w * 0.000346f;
    }
    uint32_t *d_x = dev_copy<uint32_t>(h_x, bytes), *d_prev = dev_copy<uint32_t>(h_prev, bytes);
    uint32_t *d_z, *d_next;
    uint8_t *d_planes, *d_packed;
    unsigned long long *d_esc;
    CK(cudaMalloc(&d_z, bytes));
    CK(cudaMalloc(&d_next, bytes));
    CK(cudaMalloc(&d_planes, bytes));
    CK(cudaMalloc(&d_packed, iw_max_packed_bytes(n)));
    CK(cudaMalloc(&d_esc, 8));
    PackScratch s = scratch_for(n);
    iw_params p;
    iw_quant_params(1e-4, &p);
    cudaEvent_t a, b;
    CK(cudaEventCreate(&a));
    CK(cudaEventCreate(&b));
    const int reps = 20;
    int grid = grid_for(n);
    float ms;
    int64_t packed = dev_pack(d_z, n, d_packed, s); /* warm-up of every kernel */
    iw_k_xor_split<<<grid, 256>>>(d_x, d_prev, 1, d_planes, n);
    iw_k_quantize<<<grid, 256>>>(d_x, d_prev, 0, p.step, p.inverse, p.accept, d_z, d_next, n, d_esc);
    CK(cudaDeviceSynchronize());

    CK(cudaEventRecord(a));
    for (int r = 0; r < reps; r++) {
        iw_k_xor_split<<<grid, 256>>>(d_x, d_prev, 1, d_planes, n);
    }
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    CK(cudaEventElapsedTime(&ms, a, b));
    printf("time xor split (delta)      %8.1f us  (%.1f GB/s of f32)\n", 1000 * ms / reps, bytes / (1e6 * ms / reps));

    CK(cudaMemset(d_esc, 0, 8));
    CK(cudaEventRecord(a));
    for (int r = 0; r < reps; r++) {
        iw_k_quantize<<<grid, 256>>>(d_x, d_prev, 0, p.step, p.inverse, p.accept, d_z, d_next, n, d_esc);
    }
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    CK(cudaEventElapsedTime(&ms, a, b));
    unsigned long long esc;
    CK(cudaMemcpy(&esc, d_esc, 8, cudaMemcpyDeviceToHost));
    printf("time quantize (1e-4, delta) %8.1f us  (%.1f GB/s of f32; %llu escapes)\n", 1000 * ms / reps,
           bytes / (1e6 * ms / reps), esc / reps);

    packed = dev_pack(d_z, n, d_packed, s);
    CK(cudaEventRecord(a));
    for (int r = 0; r < reps; r++) {
        dev_pack_launch(d_z, n, d_packed, s);
    }
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    CK(cudaEventElapsedTime(&ms, a, b));
    printf("time pack (3 kernels)       %8.1f us  (%lld bytes packed, %.2fx vs f32)\n", 1000 * ms / reps,
           (long long)packed, (double)bytes / packed);

    CK(cudaEventRecord(a));
    for (int r = 0; r < reps; r++) {
        CK(cudaMemcpyAsync(h_packed, d_packed, packed, cudaMemcpyDeviceToHost));
    }
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    CK(cudaEventElapsedTime(&ms, a, b));
    printf("time D2H packed (pinned)    %8.1f us  (%lld bytes)\n", 1000 * ms / reps, (long long)packed);
    CK(cudaEventRecord(a));
    for (int r = 0; r < reps; r++) {
        CK(cudaMemcpyAsync(h_raw, d_x, bytes, cudaMemcpyDeviceToHost));
    }
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    CK(cudaEventElapsedTime(&ms, a, b));
    printf("time D2H raw f32 (pinned)   %8.1f us  (%zu bytes)\n", 1000 * ms / reps, bytes);

    /* the timed frame itself is checked against the host build too */
    Bytes zh(bytes), nh(bytes), ph(iw_max_packed_bytes(n));
    int64_t eh = iw_quantize(h_x, bytes, h_prev, bytes, 0, p.step, p.inverse, p.accept, zh.data(), bytes, nh.data(),
                             bytes, n);
    int64_t lh = iw_pack(zh.data(), bytes, ph.data(), ph.size(), n);
    ph.resize(lh < 0 ? 0 : lh);
    report("(1M-value frame) quantize", "device vs host", zh, dev_read(d_z, bytes));
    report("(1M-value frame) pack", "device vs host", ph, dev_read(d_packed, packed < 0 ? 0 : packed));
    if ((unsigned long long)eh * reps != esc) {
        printf("FAIL (1M-value frame) escapes: host %lld, device %llu\n", (long long)eh, esc / reps);
        g_failures++;
    }
    CK(cudaFree(d_x));
    CK(cudaFree(d_prev));
    CK(cudaFree(d_z));
    CK(cudaFree(d_next));
    CK(cudaFree(d_planes));
    CK(cudaFree(d_packed));
    CK(cudaFree(d_esc));
    scratch_free(s);
    CK(cudaFreeHost(h_x));
    CK(cudaFreeHost(h_prev));
    CK(cudaFreeHost(h_raw));
    CK(cudaFreeHost(h_packed));
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s GOLDEN_DIR (src/test/resources/golden)\n", argv[0]);
        return 1;
    }
    g_dir = argv[1];
    printf("%s\n", iw_version());
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e == cudaSuccess && count > 0) {
        cudaDeviceProp prop;
        CK(cudaGetDeviceProperties(&prop, 0));
        printf("device 0: %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);
        g_device = true;
    } else {
        printf("no CUDA device (%s): host checks only, device checks SKIPPED\n",
               e == cudaSuccess ? "device count 0" : cudaGetErrorString(e));
    }
    Bytes input = read_file("input.f32");
    if (input.size() != FRAMES * 4 * (size_t)N) {
        printf("FAIL input.f32: %zu bytes, expected %lld\n", input.size(), (long long)(FRAMES * 4 * N));
        return 1;
    }
    Bytes packRecords, devPackRecords;
    check_xor(input);
    check_quant(input, packRecords, devPackRecords);
    check_pack(packRecords, devPackRecords);
    if (g_device) {
        timings();
    }
    printf("%s: %d failure(s)%s\n", g_failures == 0 ? "PASS" : "FAIL", g_failures,
           g_device ? "" : " (device checks skipped)");
    if (g_failures != 0) {
        return 1;
    }
    return g_device ? 0 : 2;
}
