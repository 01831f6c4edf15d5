/*
 * inferwire native host API: the transform kernels of io.inferwire.transform.Backend
 * as plain C, for a native inference runtime that produces (or consumes) the same
 * transformed planes as the Java library, without a JVM. The output is bit for bit
 * what the Java scalar reference writes (the golden vectors in
 * src/test/resources/golden/ hold both to it).
 *
 * Conventions:
 *  - Values are IEEE-754 binary32 and codes are 32-bit integers, little-endian, read
 *    and written by their raw bits (NaN payloads survive). Pointers need no alignment.
 *  - Every buffer is passed with its size in bytes; a function checks every size
 *    against the count n before it touches memory, and returns IW_E_SHORT rather than
 *    read or write past one. Sizes and counts are signed 64-bit (negative: IW_E_ARG).
 *  - Results are >= 0 (a count of bytes or escapes, or IW_OK); errors are the
 *    negative IW_E_* codes below. On error the output buffers hold unspecified bytes.
 *  - The caller owns every buffer; nothing is allocated, nothing is kept. Every
 *    function is thread-safe (no state).
 *  - Buffers may be the same where the Java SPI allows it (quantize's next may be its
 *    prev, dequantize's next its prev): each value is read before it is written.
 */
#ifndef INFERWIRE_H
#define INFERWIRE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define IW_API __attribute__((visibility("default")))
#else
#define IW_API
#endif

/* Version of this API: a change in any signature or in the bytes produced bumps it. */
#define IW_ABI_VERSION 1

#define IW_OK 0
/* An argument is invalid: a null pointer, a negative count or size, quantization
   constants QuantParams.of could not have produced, a code >= 2^24 given to iw_pack. */
#define IW_E_ARG (-1)
/* A buffer is smaller than the count needs (input or output). */
#define IW_E_SHORT (-2)
/* Packed input is malformed: a block width above 24, or blocks that run past its length. */
#define IW_E_CORRUPT (-3)

/* The zigzag code of an escaped value (its exact bits travel beside the packed codes). */
#define IW_ESCAPE_CODE 0xFFFFFF

/* The float32 constants of error-bounded quantization, as io.inferwire.transform.QuantParams. */
typedef struct iw_params {
    double bound;  /* the error bound e as given */
    float step;    /* (float) (2 * e) */
    float inverse; /* 1f / step */
    float accept;  /* the float one below the largest float <= e */
} iw_params;

/* "inferwire-host <version> abi <IW_ABI_VERSION>": a static string. */
IW_API const char *iw_version(void);

/* IW_ABI_VERSION of the library actually loaded. */
IW_API int32_t iw_abi_version(void);

/* A static, human-readable name for a result code ("ok", "invalid argument", ...). */
IW_API const char *iw_strerror(int64_t code);

/*
 * Derives the quantization constants for bound e into *out, as QuantParams.of(e).
 * Returns IW_OK, or IW_E_ARG unless e is finite and positive and 2e is a normal float.
 */
IW_API int32_t iw_quant_params(double bound, iw_params *out);

/*
 * Lossless forward transform of n values into 4n bytes of byte planes:
 * w[i] = bits(x[i]) ^ bits(ref[i]) (ref only when has_ref != 0; it may be NULL
 * otherwise), plane p (at byte p * n) holds byte 3 - p of every w[i].
 * Returns IW_OK, IW_E_ARG, or IW_E_SHORT unless x_bytes >= 4n, ref_bytes >= 4n (when
 * used) and planes_bytes >= 4n.
 */
IW_API int64_t iw_xor_split(const void *x, int64_t x_bytes, const void *ref, int64_t ref_bytes, int32_t has_ref,
                            void *planes, int64_t planes_bytes, int64_t n);

/* The inverse of iw_xor_split: n values from 4n bytes of planes. Same checks. */
IW_API int64_t iw_xor_merge(const void *planes, int64_t planes_bytes, const void *ref, int64_t ref_bytes,
                            int32_t has_ref, void *out, int64_t out_bytes, int64_t n);

/*
 * Closed-loop quantization of n values against prev (or 0 when intra != 0; prev may
 * then be NULL) with the constants step, inverse, accept of an iw_params: writes
 * n zigzag codes (IW_ESCAPE_CODE for an escaped value) to z and the reconstruction to
 * next (the input's exact bits where escaped). next may be prev.
 * Returns the number of escaped values, IW_E_ARG (also for constants that are not
 * finite and positive), or IW_E_SHORT.
 */
IW_API int64_t iw_quantize(const void *x, int64_t x_bytes, const void *prev, int64_t prev_bytes, int32_t intra,
                           float step, float inverse, float accept, void *z, int64_t z_bytes, void *next,
                           int64_t next_bytes, int64_t n);

/*
 * The decoder's half: next[i] = r + (float) q * step for every code that is not
 * IW_ESCAPE_CODE (r = prev[i], or 0 when intra). Escaped slots of next are left as they
 * were: the caller writes the exact bits there. next may be prev.
 * Returns IW_OK, IW_E_ARG or IW_E_SHORT.
 */
IW_API int64_t iw_dequantize(const void *z, int64_t z_bytes, const void *prev, int64_t prev_bytes, int32_t intra,
                             float step, void *next, int64_t next_bytes, int64_t n);

/* The most bytes iw_pack writes for n codes: ceil(n / 16) * 49; IW_E_ARG when n < 0. */
IW_API int64_t iw_max_packed_bytes(int64_t n);

/*
 * Block bit-packing of n zigzag codes (each < 2^24) in blocks of 16: one width byte
 * per block (the bit length of its largest code), then every block's codes as a
 * little-endian bit stream of 2 * width bytes. Writes at most out_bytes bytes.
 * Returns the bytes written, IW_E_ARG (a code >= 2^24), or IW_E_SHORT (z_bytes < 4n,
 * or out_bytes too small for what this input packs to; iw_max_packed_bytes(n) always
 * suffices).
 */
IW_API int64_t iw_pack(const void *z, int64_t z_bytes, void *out, int64_t out_bytes, int64_t n);

/*
 * The inverse of iw_pack: n codes into z from at most in_bytes bytes of packed input,
 * which is untrusted: every width and length is checked before a byte is read.
 * Returns the bytes consumed, IW_E_CORRUPT (fewer than ceil(n / 16) bytes, a width
 * above 24, or blocks that run past in_bytes), IW_E_ARG or IW_E_SHORT (z_bytes < 4n).
 */
IW_API int64_t iw_unpack(const void *in, int64_t in_bytes, void *z, int64_t z_bytes, int64_t n);

#ifdef __cplusplus
}
#endif

#endif /* INFERWIRE_H */
