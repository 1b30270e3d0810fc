#include "gradwell_kernels.h"
#include <stdint.h>
#include <string.h>

// Never fuse a * b + c into one rounding: the Swift loops these replace do not.
#pragma STDC FP_CONTRACT OFF

// IEEE square root without errno handling (which would keep the loop scalar); the same
// correctly rounded result as Swift's squareRoot().
#if defined(__has_builtin)
#if __has_builtin(__builtin_elementwise_sqrt)
#define GW_SQRTF(x) __builtin_elementwise_sqrt(x)
#define GW_SQRT(x) __builtin_elementwise_sqrt(x)
#endif
#endif
#ifndef GW_SQRTF
#include <math.h>
#define GW_SQRTF(x) sqrtf(x)
#define GW_SQRT(x) sqrt(x)
#endif

// On x86-64, each kernel is also compiled for AVX-512 and AVX2, and the loader picks the widest
// copy the CPU runs (an ifunc): more lanes for the same IEEE operations, so the same results.
// Each element is computed alone (the column sums add row by row per column), so lane width
// never changes an order of operations.
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define GW_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef GW_CLONES
#define GW_CLONES
#endif

#define BIAS_RELU(NAME, T)                                                                        \
    GW_CLONES void NAME(T *restrict x, const T *restrict bias, ptrdiff_t rows, ptrdiff_t columns, T slope, \
              int leaky) {                                                                        \
        for (ptrdiff_t r = 0; r < rows; r++) {                                                    \
            T *restrict row = x + r * columns;                                                    \
            if (leaky) {                                                                          \
                for (ptrdiff_t c = 0; c < columns; c++) {                                         \
                    T v = row[c] + bias[c];                                                       \
                    row[c] = v < 0 ? v * slope : v;                                               \
                }                                                                                 \
            } else {                                                                              \
                for (ptrdiff_t c = 0; c < columns; c++) {                                         \
                    T v = row[c] + bias[c];                                                       \
                    row[c] = v < 0 ? (T)0 : v;                                                    \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
    }
BIAS_RELU(gw_bias_relu_f32, float)
BIAS_RELU(gw_bias_relu_f64, double)

// The select is written as a bit mask so the compiler vectorizes it (a conditional store would
// stay scalar): all ones where a > 0, zeros elsewhere; masking gives exactly g or +0.
#define RELU_BACKWARD(NAME, T, U)                                                                 \
    GW_CLONES void NAME(const T *restrict a, const T *g, T *out, ptrdiff_t count, T slope, int leaky) { \
        if (leaky) {                                                                              \
            for (ptrdiff_t i = 0; i < count; i++) {                                               \
                T kept = g[i], scaled = g[i] * slope;                                             \
                U mask = (U)0 - (U)(a[i] > 0), k, s;                                              \
                memcpy(&k, &kept, sizeof k);                                                      \
                memcpy(&s, &scaled, sizeof s);                                                    \
                U bits = (k & mask) | (s & ~mask);                                                \
                memcpy(&out[i], &bits, sizeof bits);                                              \
            }                                                                                     \
        } else {                                                                                  \
            for (ptrdiff_t i = 0; i < count; i++) {                                               \
                U mask = (U)0 - (U)(a[i] > 0), k;                                                 \
                memcpy(&k, &g[i], sizeof k);                                                      \
                k &= mask;                                                                        \
                memcpy(&out[i], &k, sizeof k);                                                    \
            }                                                                                     \
        }                                                                                         \
    }
RELU_BACKWARD(gw_relu_backward_f32, float, uint32_t)
RELU_BACKWARD(gw_relu_backward_f64, double, uint64_t)

#define ADAM(NAME, T, SQRT)                                                                       \
    GW_CLONES void NAME(T *restrict p, const T *restrict g, T *restrict m, T *restrict v, ptrdiff_t count, \
              T b1, T b2, T lr, T c1, T c2, T eps) {                                              \
        const T o1 = 1 - b1, o2 = 1 - b2;                                                         \
        for (ptrdiff_t i = 0; i < count; i++) {                                                   \
            T gi = g[i];                                                                          \
            T mi = b1 * m[i] + o1 * gi;                                                           \
            T vi = b2 * v[i] + o2 * gi * gi;                                                      \
            m[i] = mi;                                                                            \
            v[i] = vi;                                                                            \
            p[i] = p[i] - lr * (mi * c1) / (SQRT(vi * c2) + eps);                                 \
        }                                                                                         \
    }
ADAM(gw_adam_f32, float, GW_SQRTF)
ADAM(gw_adam_f64, double, GW_SQRT)

// Each column is summed over the rows in order from 0, whatever the width, so every branch gives
// the same bits. Up to 16 columns (a small layer's bias gradient) the sums stay in registers: a
// width known when compiled lets the compiler unroll the row's loop, where a running sum in
// memory waits for its own store on every row.
#define COLUMN_SUMS_OF_WIDTH(T, W)                                                                \
    case W: {                                                                                     \
        T acc[W] = {0};                                                                           \
        for (ptrdiff_t r = 0; r < rows; r++) {                                                    \
            const T *restrict row = x + r * W;                                                    \
            for (int c = 0; c < W; c++) acc[c] += row[c];                                         \
        }                                                                                         \
        for (int c = 0; c < W; c++) sums[c] = acc[c];                                             \
        return;                                                                                   \
    }
#define COLUMN_SUMS(NAME, T)                                                                      \
    GW_CLONES void NAME(const T *restrict x, T *restrict sums, ptrdiff_t rows, ptrdiff_t columns) { \
        switch (columns) {                                                                        \
            COLUMN_SUMS_OF_WIDTH(T, 1) COLUMN_SUMS_OF_WIDTH(T, 2) COLUMN_SUMS_OF_WIDTH(T, 3)      \
            COLUMN_SUMS_OF_WIDTH(T, 4) COLUMN_SUMS_OF_WIDTH(T, 5) COLUMN_SUMS_OF_WIDTH(T, 6)      \
            COLUMN_SUMS_OF_WIDTH(T, 7) COLUMN_SUMS_OF_WIDTH(T, 8) COLUMN_SUMS_OF_WIDTH(T, 9)      \
            COLUMN_SUMS_OF_WIDTH(T, 10) COLUMN_SUMS_OF_WIDTH(T, 11) COLUMN_SUMS_OF_WIDTH(T, 12)   \
            COLUMN_SUMS_OF_WIDTH(T, 13) COLUMN_SUMS_OF_WIDTH(T, 14) COLUMN_SUMS_OF_WIDTH(T, 15)   \
            COLUMN_SUMS_OF_WIDTH(T, 16)                                                           \
            default: break;                                                                       \
        }                                                                                         \
        for (ptrdiff_t c = 0; c < columns; c++) sums[c] = 0;                                      \
        for (ptrdiff_t r = 0; r < rows; r++) {                                                    \
            const T *restrict row = x + r * columns;                                              \
            for (ptrdiff_t c = 0; c < columns; c++) sums[c] += row[c];                            \
        }                                                                                         \
    }
COLUMN_SUMS(gw_column_sums_f32, float)
COLUMN_SUMS(gw_column_sums_f64, double)

// Subnormal numbers: flushed to zero (x86 MXCSR FTZ and DAZ bits; AArch64 FPCR.FZ) or kept
// (IEEE gradual underflow). The setting belongs to the calling thread.
#define GW_MXCSR_FLUSH 0x8040u
void gw_set_flush_denormals(int flush) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned csr = __builtin_ia32_stmxcsr();
    csr = flush ? (csr | GW_MXCSR_FLUSH) : (csr & ~GW_MXCSR_FLUSH);
    __builtin_ia32_ldmxcsr(csr);
#elif defined(__aarch64__)
    unsigned long fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    fpcr = flush ? (fpcr | (1ul << 24)) : (fpcr & ~(1ul << 24));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr));
#else
    (void)flush;
#endif
}
