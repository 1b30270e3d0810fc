// Element-wise kernels of the training step that must run at vector speed: bias + ReLU, the ReLU
// derivative, and the Adam update. Matrix products go through BLAS; these are the loops between
// them. Each computes exactly what the plain Swift loop it replaces computes (same operations in
// the same order, IEEE arithmetic, no contraction into FMA), so results are bit-identical.
#ifndef GRADWELL_KERNELS_H
#define GRADWELL_KERNELS_H
#include <stddef.h>

// x[r][c] = v < 0 ? (leaky ? v * slope : 0) : v, where v = x[r][c] + bias[c]. NaN stays NaN.
void gw_bias_relu_f32(float *x, const float *bias, ptrdiff_t rows, ptrdiff_t columns, float slope, int leaky);
void gw_bias_relu_f64(double *x, const double *bias, ptrdiff_t rows, ptrdiff_t columns, double slope, int leaky);

// out[i] = a[i] > 0 ? g[i] : (leaky ? g[i] * slope : 0), given the activation's output a;
// `out` may be `g` (in place).
void gw_relu_backward_f32(const float *a, const float *g, float *out, ptrdiff_t count, float slope, int leaky);
void gw_relu_backward_f64(const double *a, const double *g, double *out, ptrdiff_t count, double slope, int leaky);

// Adam with bias correction factors c1 = 1/(1-β1^t), c2 = 1/(1-β2^t) and ε outside the root:
//   m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g g;  p -= lr (m c1) / (sqrt(v c2) + ε)
void gw_adam_f32(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                 float b1, float b2, float lr, float c1, float c2, float eps);
void gw_adam_f64(double *p, const double *g, double *m, double *v, ptrdiff_t count,
                 double b1, double b2, double lr, double c1, double c2, double eps);

// The column sums of a (rows × columns) row-major matrix, accumulated row by row in order.
void gw_column_sums_f32(const float *x, float *sums, ptrdiff_t rows, ptrdiff_t columns);
void gw_column_sums_f64(const double *x, double *sums, ptrdiff_t rows, ptrdiff_t columns);

// Whether the calling thread's arithmetic flushes subnormal numbers to zero (inputs and results:
// x86 FTZ and DAZ, AArch64 FZ), or keeps them (IEEE gradual underflow, the default).
void gw_set_flush_denormals(int flush);

// A hint for a spin-wait loop (the worker pool's): x86 PAUSE, AArch64 YIELD.
static inline void gw_spin_hint(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

// What the CPU offers (each flag only when the OS also saves the registers it needs).
struct gw_cpu_features {
    int avx, avx2, avx512, avx512_bf16, amx;  // avx2 includes FMA; avx512 is F+DQ+BW+VL
    char vendor[13];
    char brand[49];
};
void gw_cpu_features(struct gw_cpu_features *out);

// Which copy of the element-wise kernels above the loader chose: "avx512", "avx2" or "baseline".
const char *gw_elementwise_kernels(void);

// SHA-256 of `length` bytes into `digest` (the checksum run logs record of data files).
void gw_sha256(const void *data, size_t length, unsigned char digest[32]);

// Gives memory that malloc holds free back to the system (glibc's malloc_trim; elsewhere nothing).
void gw_return_free_memory(void);

// A sliding window over rows shaped [channels, height, width] (1-D rows: height 1).
struct gw_window {
    ptrdiff_t channels, height, width, kernel_height, kernel_width, stride_height, stride_width;
    ptrdiff_t pad_top, pad_left, output_height, output_width;
};
// im2col: cols is (channels·kh·kw) × (rows·positions); column n·P + p holds the window of output
// position p of row n, zeros where it overhangs the padding.
void gw_im2col_f32(const float *x, float *cols, ptrdiff_t rows, const struct gw_window *g);
void gw_im2col_f64(const double *x, double *cols, ptrdiff_t rows, const struct gw_window *g);
// col2im: x (rows × channels·height·width) is set to the sum of the window elements of cols
// that came from each position.
void gw_col2im_f32(const float *cols, float *x, ptrdiff_t rows, const struct gw_window *g);
void gw_col2im_f64(const double *cols, double *x, ptrdiff_t rows, const struct gw_window *g);

// Small float32 products through LIBXSMM (when the build has it): row-major C = op(A)·op(B) with
// alpha 1 and beta 0 or 1, M·N·K up to GW_SMALL_GEMM_LIMIT and B not transposed. Returns 1 when
// it computed C, 0 when the caller must use BLAS. GRADWELL_SMALL_GEMM=openblas turns it off.
#define GW_SMALL_GEMM_LIMIT 16777216.0
int gw_small_sgemm(int transpose_a, int transpose_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                   ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc);
// "libxsmm 1.17.0" or "openblas": what small float32 products run on.
const char *gw_small_gemm_library(void);

// The kernels above by element type (`f64` non-zero: double, else float), so Swift binds each
// kernel once for both types. Scalars are passed as double and narrowed exactly (they are
// float values when `f64` is zero).
void gw_bias_relu(void *x, const void *bias, ptrdiff_t rows, ptrdiff_t columns, double slope, int leaky, int f64);
void gw_relu_backward(const void *a, const void *g, void *out, ptrdiff_t count, double slope, int leaky, int f64);
void gw_column_sums(const void *x, void *sums, ptrdiff_t rows, ptrdiff_t columns, int f64);
void gw_im2col(const void *x, void *cols, ptrdiff_t rows, const struct gw_window *g, int f64);
void gw_col2im(const void *cols, void *x, ptrdiff_t rows, const struct gw_window *g, int f64);

#endif
