/*
 * The host build of the transform kernels: inferwire_math.h applied value by value,
 * in the Java scalar reference's order, behind the checked C API of inferwire.h.
 */
#include "inferwire.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "inferwire_math.h"

#define IW_VERSION_STRING "inferwire-host 0.1.0 abi 1"

/* Little-endian, alignment-free loads and stores (gcc turns them into single moves). */
static inline uint32_t load_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* IW_OK when a buffer of size bytes holds count elements of width bytes. */
static int64_t check_buffer(const void *p, int64_t size, int64_t count, int64_t width) {
    if (p == NULL || size < 0) {
        return IW_E_ARG;
    }
    if (count > size / width) {
        return IW_E_SHORT;
    }
    return IW_OK;
}

#define CHECK(expr)                                                                                                   \
    do {                                                                                                              \
        int64_t rc_ = (expr);                                                                                         \
        if (rc_ != IW_OK) {                                                                                           \
            return rc_;                                                                                               \
        }                                                                                                             \
    } while (0)

const char *iw_version(void) {
    return IW_VERSION_STRING;
}

int32_t iw_abi_version(void) {
    return IW_ABI_VERSION;
}

const char *iw_strerror(int64_t code) {
    if (code >= 0) {
        return "ok";
    }
    switch (code) {
    case IW_E_ARG:
        return "invalid argument";
    case IW_E_SHORT:
        return "buffer too short";
    case IW_E_CORRUPT:
        return "corrupt packed input";
    default:
        return "unknown error";
    }
}

int32_t iw_quant_params(double bound, iw_params *out) {
    if (out == NULL || !(bound > 0) || isinf(bound)) {
        return IW_E_ARG;
    }
    float step = (float)(2 * bound);
    if (!(step >= FLT_MIN) || isinf(step)) {
        return IW_E_ARG;
    }
    float fe = (float)bound;
    if ((double)fe > bound) {
        fe = nextafterf(fe, -INFINITY);
    }
    out->bound = bound;
    out->step = step;
    out->inverse = 1.0f / step;
    out->accept = nextafterf(fe, -INFINITY);
    return IW_OK;
}

int64_t iw_xor_split(const void *x, int64_t x_bytes, const void *ref, int64_t ref_bytes, int32_t has_ref,
                     void *planes, int64_t planes_bytes, int64_t n) {
    if (n < 0) {
        return IW_E_ARG;
    }
    CHECK(check_buffer(x, x_bytes, n, 4));
    if (has_ref) {
        CHECK(check_buffer(ref, ref_bytes, n, 4));
    }
    CHECK(check_buffer(planes, planes_bytes, n, 4));
    const uint8_t *xb = (const uint8_t *)x;
    const uint8_t *rb = (const uint8_t *)ref;
    uint8_t *pb = (uint8_t *)planes;
    for (int64_t i = 0; i < n; i++) {
        uint32_t w = iw_xor(load_u32(xb + 4 * i), has_ref ? load_u32(rb + 4 * i) : 0u);
        pb[i] = iw_plane_byte(w, 0);
        pb[n + i] = iw_plane_byte(w, 1);
        pb[2 * n + i] = iw_plane_byte(w, 2);
        pb[3 * n + i] = iw_plane_byte(w, 3);
    }
    return IW_OK;
}

int64_t iw_xor_merge(const void *planes, int64_t planes_bytes, const void *ref, int64_t ref_bytes, int32_t has_ref,
                     void *out, int64_t out_bytes, int64_t n) {
    if (n < 0) {
        return IW_E_ARG;
    }
    CHECK(check_buffer(planes, planes_bytes, n, 4));
    if (has_ref) {
        CHECK(check_buffer(ref, ref_bytes, n, 4));
    }
    CHECK(check_buffer(out, out_bytes, n, 4));
    const uint8_t *pb = (const uint8_t *)planes;
    const uint8_t *rb = (const uint8_t *)ref;
    uint8_t *ob = (uint8_t *)out;
    for (int64_t i = 0; i < n; i++) {
        uint32_t w = iw_plane_merge(pb[i], pb[n + i], pb[2 * n + i], pb[3 * n + i]);
        if (has_ref) {
            w = iw_xor(w, load_u32(rb + 4 * i));
        }
        store_u32(ob + 4 * i, w);
    }
    return IW_OK;
}

/* Constants that iw_quant_params can produce: finite and positive (accept may be tiny). */
static int params_ok(float step, float inverse, float accept) {
    return step > 0 && !isinf(step) && inverse > 0 && !isinf(inverse) && accept >= 0 && !isinf(accept);
}

int64_t iw_quantize(const void *x, int64_t x_bytes, const void *prev, int64_t prev_bytes, int32_t intra, float step,
                    float inverse, float accept, void *z, int64_t z_bytes, void *next, int64_t next_bytes,
                    int64_t n) {
    if (n < 0 || !params_ok(step, inverse, accept)) {
        return IW_E_ARG;
    }
    CHECK(check_buffer(x, x_bytes, n, 4));
    if (!intra) {
        CHECK(check_buffer(prev, prev_bytes, n, 4));
    }
    CHECK(check_buffer(z, z_bytes, n, 4));
    CHECK(check_buffer(next, next_bytes, n, 4));
    const uint8_t *xb = (const uint8_t *)x;
    const uint8_t *rb = (const uint8_t *)prev;
    uint8_t *zb = (uint8_t *)z;
    uint8_t *nb = (uint8_t *)next;
    int64_t escapes = 0;
    for (int64_t i = 0; i < n; i++) {
        uint32_t xbits = load_u32(xb + 4 * i);
        float r = intra ? 0.0f : iw_u2f(load_u32(rb + 4 * i));
        uint32_t rn;
        uint32_t code = iw_quantize1(xbits, r, step, inverse, accept, &rn);
        store_u32(nb + 4 * i, rn);
        store_u32(zb + 4 * i, code);
        escapes += code == IW_ESCAPE;
    }
    return escapes;
}

int64_t iw_dequantize(const void *z, int64_t z_bytes, const void *prev, int64_t prev_bytes, int32_t intra, float step,
                      void *next, int64_t next_bytes, int64_t n) {
    if (n < 0 || !(step > 0) || isinf(step)) {
        return IW_E_ARG;
    }
    CHECK(check_buffer(z, z_bytes, n, 4));
    if (!intra) {
        CHECK(check_buffer(prev, prev_bytes, n, 4));
    }
    CHECK(check_buffer(next, next_bytes, n, 4));
    const uint8_t *zb = (const uint8_t *)z;
    const uint8_t *rb = (const uint8_t *)prev;
    uint8_t *nb = (uint8_t *)next;
    for (int64_t i = 0; i < n; i++) {
        uint32_t code = load_u32(zb + 4 * i);
        if (code != IW_ESCAPE) {
            float r = intra ? 0.0f : iw_u2f(load_u32(rb + 4 * i));
            store_u32(nb + 4 * i, iw_f2u(iw_dequantize1(code, r, step)));
        }
    }
    return IW_OK;
}

int64_t iw_max_packed_bytes(int64_t n) {
    if (n < 0) {
        return IW_E_ARG;
    }
    return (n / IW_BLOCK + (n % IW_BLOCK != 0)) * (1 + 2 * IW_MAX_WIDTH);
}

/* Block b of n codes into v, the missing values of a last block as 0. */
static void load_block(const uint8_t *zb, int64_t n, int64_t b, uint32_t v[IW_BLOCK]) {
    int64_t base = b * IW_BLOCK;
    for (int k = 0; k < IW_BLOCK; k++) {
        v[k] = base + k < n ? load_u32(zb + 4 * (base + k)) : 0u;
    }
}

int64_t iw_pack(const void *z, int64_t z_bytes, void *out, int64_t out_bytes, int64_t n) {
    if (n < 0) {
        return IW_E_ARG;
    }
    CHECK(check_buffer(z, z_bytes, n, 4));
    if (out == NULL || out_bytes < 0) {
        return IW_E_ARG;
    }
    int64_t blocks = n / IW_BLOCK + (n % IW_BLOCK != 0);
    if (out_bytes < blocks) {
        return IW_E_SHORT;
    }
    const uint8_t *zb = (const uint8_t *)z;
    uint8_t *ob = (uint8_t *)out;
    int64_t at = blocks;
    uint32_t v[IW_BLOCK];
    for (int64_t b = 0; b < blocks; b++) {
        load_block(zb, n, b, v);
        uint32_t w = iw_block_width(v);
        if (w > IW_MAX_WIDTH) {
            return IW_E_ARG;
        }
        if (2 * (int64_t)w > out_bytes - at) {
            return IW_E_SHORT;
        }
        ob[b] = (uint8_t)w;
        if (w != 0) {
            iw_pack_block(v, w, ob + at);
            at += 2 * (int64_t)w;
        }
    }
    return at;
}

int64_t iw_unpack(const void *in, int64_t in_bytes, void *z, int64_t z_bytes, int64_t n) {
    if (n < 0 || in == NULL || in_bytes < 0) {
        return IW_E_ARG;
    }
    CHECK(check_buffer(z, z_bytes, n, 4));
    int64_t blocks = n / IW_BLOCK + (n % IW_BLOCK != 0);
    if (in_bytes < blocks) {
        return IW_E_CORRUPT;
    }
    const uint8_t *ib = (const uint8_t *)in;
    /* Every width and the total are checked before any block is read. */
    int64_t total = blocks;
    for (int64_t b = 0; b < blocks; b++) {
        uint32_t w = ib[b];
        if (w > IW_MAX_WIDTH) {
            return IW_E_CORRUPT;
        }
        total += 2 * (int64_t)w;
    }
    if (total > in_bytes) {
        return IW_E_CORRUPT;
    }
    uint8_t *zb = (uint8_t *)z;
    int64_t at = blocks;
    uint32_t v[IW_BLOCK];
    for (int64_t b = 0; b < blocks; b++) {
        uint32_t w = ib[b];
        iw_unpack_block(ib + at, w, v);
        at += 2 * (int64_t)w;
        int64_t base = b * IW_BLOCK;
        int count = n - base < IW_BLOCK ? (int)(n - base) : IW_BLOCK;
        for (int k = 0; k < count; k++) {
            store_u32(zb + 4 * (base + k), v[k]);
        }
    }
    return at;
}
