/*
 * The transform arithmetic of inferwire, one value (or one 16-value block) at a time,
 * shared by the CUDA kernels (inferwire_kernels.cu) and the host library
 * (inferwire_host.c). The specification is io.inferwire.transform.Backend; the oracle
 * is the Java ScalarBackend. Every function here gives its bits exactly:
 *
 *  - float32 arithmetic only, one rounding per operation, round to nearest even, in
 *    ScalarBackend's order. On the device every operation is an explicit __f*_rn
 *    intrinsic (never contracted into an FMA whatever --fmad says); on the host the
 *    build uses -ffp-contract=off and never -ffast-math (which would fold the
 *    (t + M) - M rounding trick away).
 *  - Java's (int) cast saturates and maps NaN to 0 where C's is undefined: iw_f2i.
 *  - Integer shifts on signed values are done on uint32_t (no undefined behaviour).
 *
 * Nothing here reads or writes memory it is not handed; bounds are the caller's.
 */
#ifndef INFERWIRE_MATH_H
#define INFERWIRE_MATH_H

#include <stdint.h>

#if defined(__CUDACC__)
#define IW_HD __host__ __device__ __forceinline__
#else
#define IW_HD static inline
#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ != 0
#error "float expressions must be evaluated in float32 (FLT_EVAL_METHOD 0): build for SSE2, not x87"
#endif
#if defined(__FAST_MATH__)
#error "inferwire's transform math must not be built with -ffast-math"
#endif
#endif

/* The constants of io.inferwire.transform.QuantParams. */
#define IW_Q_LIMIT 4194303.0f     /* 2^22 - 1: |t| at or beyond it is escaped */
#define IW_ROUND_MAGIC 12582912.0f /* 1.5 * 2^23: (t + M) - M rounds |t| < 2^22 to an integer, ties to even */
#define IW_ESCAPE 0xFFFFFFu        /* the zigzag code of an escaped value */
#define IW_BLOCK 16                /* values per packed block */
#define IW_MAX_WIDTH 24            /* the widest packed code */

/* Exactly rounded float32 operations. */
#if defined(__CUDA_ARCH__)
#define IW_FADD(a, b) __fadd_rn((a), (b))
#define IW_FSUB(a, b) __fsub_rn((a), (b))
#define IW_FMUL(a, b) __fmul_rn((a), (b))
#define IW_I2F(i) __int2float_rn(i)
#else
#define IW_FADD(a, b) ((float)(a) + (float)(b))
#define IW_FSUB(a, b) ((float)(a) - (float)(b))
#define IW_FMUL(a, b) ((float)(a) * (float)(b))
#define IW_I2F(i) ((float)(int32_t)(i))
#endif

IW_HD uint32_t iw_f2u(float f) {
#if defined(__CUDA_ARCH__)
    return (uint32_t)__float_as_uint(f);
#else
    union {
        float f;
        uint32_t u;
    } c;
    c.f = f;
    return c.u;
#endif
}

IW_HD float iw_u2f(uint32_t u) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(u);
#else
    union {
        uint32_t u;
        float f;
    } c;
    c.u = u;
    return c.f;
#endif
}

/* |f| by clearing the sign bit, as Java's Math.abs(float) (NaN stays NaN). */
IW_HD float iw_fabs(float f) {
    return iw_u2f(iw_f2u(f) & 0x7FFFFFFFu);
}

/* Java's (int) f: truncation toward zero, saturating, NaN -> 0. */
IW_HD int32_t iw_f2i(float f) {
    if (f != f) {
        return 0;
    }
    if (f >= 2147483648.0f) {
        return INT32_MAX;
    }
    if (f <= -2147483648.0f) {
        return INT32_MIN;
    }
#if defined(__CUDA_ARCH__)
    return __float2int_rz(f);
#else
    return (int32_t)f;
#endif
}

/* Number of significant bits of v (0 for 0): Java's 32 - Integer.numberOfLeadingZeros(v). */
IW_HD uint32_t iw_bitlen(uint32_t v) {
#if defined(__CUDA_ARCH__)
    return 32u - (uint32_t)__clz((int)v);
#else
    return v == 0 ? 0u : 32u - (uint32_t)__builtin_clz(v);
#endif
}

/* Zigzag: (q << 1) ^ (q >> 31), on unsigned bits. */
IW_HD uint32_t iw_zigzag(int32_t q) {
    uint32_t u = (uint32_t)q;
    return (u << 1) ^ (0u - (u >> 31));
}

/* Inverse zigzag: (z >>> 1) ^ -(z & 1). */
IW_HD int32_t iw_unzigzag(uint32_t z) {
    return (int32_t)((z >> 1) ^ (0u - (z & 1u)));
}

/* The lossless transform of one value: w = bits(x) ^ bits(ref) (ref = 0 when absent). */
IW_HD uint32_t iw_xor(uint32_t x_bits, uint32_t ref_bits) {
    return x_bits ^ ref_bits;
}

/* Byte p (0..3) of the planes of w: plane 0 holds the most significant byte. */
IW_HD uint8_t iw_plane_byte(uint32_t w, int p) {
    return (uint8_t)(w >> (24 - 8 * p));
}

/* Assembles w from its four plane bytes, most significant first. */
IW_HD uint32_t iw_plane_merge(uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3) {
    return (uint32_t)b0 << 24 | (uint32_t)b1 << 16 | (uint32_t)b2 << 8 | (uint32_t)b3;
}

/*
 * Closed-loop quantization of one value x against the prediction r (0f when intra):
 * returns the zigzag code, or IW_ESCAPE, and writes the decoder's reconstruction to
 * *next_bits (x's own bits when escaped). Backend.quantize, line for line.
 */
IW_HD uint32_t iw_quantize1(uint32_t x_bits, float r, float step, float inverse, float accept, uint32_t *next_bits) {
    float v = iw_u2f(x_bits);
    float t = IW_FMUL(IW_FSUB(v, r), inverse);
    if (iw_fabs(t) < IW_Q_LIMIT) {
        int32_t q = iw_f2i(IW_FSUB(IW_FADD(t, IW_ROUND_MAGIC), IW_ROUND_MAGIC));
        float rn = IW_FADD(r, IW_FMUL(IW_I2F(q), step));
        if (iw_fabs(IW_FSUB(v, rn)) <= accept) {
            *next_bits = iw_f2u(rn);
            return iw_zigzag(q);
        }
    }
    *next_bits = x_bits;
    return IW_ESCAPE;
}

/* The decoder's half: r + (float) q * step for a code that is not IW_ESCAPE. */
IW_HD float iw_dequantize1(uint32_t code, float r, float step) {
    return IW_FADD(r, IW_FMUL(IW_I2F(iw_unzigzag(code)), step));
}

/* The width of one block of 16 codes (missing values of a last block are 0): 0..32. */
IW_HD uint32_t iw_block_width(const uint32_t v[IW_BLOCK]) {
    uint32_t o = 0;
    for (int k = 0; k < IW_BLOCK; k++) {
        o |= v[k];
    }
    return iw_bitlen(o);
}

/*
 * Packs 16 codes of w bits (1..24, every code < 2^w) into exactly 2w bytes at out, as
 * a little-endian bit stream, least significant bit first.
 */
IW_HD void iw_pack_block(const uint32_t v[IW_BLOCK], uint32_t w, uint8_t *out) {
    uint64_t acc = 0;
    uint32_t bits = 0;
    for (int k = 0; k < IW_BLOCK; k++) {
        acc |= (uint64_t)v[k] << bits;
        bits += w;
        while (bits >= 8) {
            *out++ = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    /* 16w bits is a whole number of bytes: nothing is left in acc. */
}

/* Unpacks 16 codes of w bits (0..24) from exactly 2w bytes at in (reads no byte beyond them). */
IW_HD void iw_unpack_block(const uint8_t *in, uint32_t w, uint32_t v[IW_BLOCK]) {
    if (w == 0) {
        for (int k = 0; k < IW_BLOCK; k++) {
            v[k] = 0;
        }
        return;
    }
    uint32_t mask = (w >= 32) ? 0xFFFFFFFFu : ((1u << w) - 1u);
    uint64_t acc = 0;
    uint32_t bits = 0;
    for (int k = 0; k < IW_BLOCK; k++) {
        while (bits < w) {
            acc |= (uint64_t)(*in++) << bits;
            bits += 8;
        }
        v[k] = (uint32_t)acc & mask;
        acc >>= w;
        bits -= w;
    }
}

#endif /* INFERWIRE_MATH_H */
