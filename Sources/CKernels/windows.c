// im2col and col2im for convolutions over rows shaped [C, H, W] (1-D: H = 1): the windows of a
// batch laid out as the columns of one matrix, and back. Plain copies and additions, each
// element computed alone, so every compiled copy gives the same bits.
#include "gradwell_kernels.h"
#include <string.h>

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define GW_WINDOW_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef GW_WINDOW_CLONES
#define GW_WINDOW_CLONES
#endif

// The output columns [first, end) whose window element in kernel column j lies inside the input.
static inline void valid_columns(const struct gw_window *g, ptrdiff_t j, ptrdiff_t *first, ptrdiff_t *end) {
    ptrdiff_t offset = g->pad_left - j;
    ptrdiff_t f = offset > 0 ? (offset + g->stride_width - 1) / g->stride_width : 0;
    ptrdiff_t last = g->width - 1 + offset;
    ptrdiff_t e = last < 0 ? 0 : last / g->stride_width + 1;
    if (e > g->output_width) e = g->output_width;
    if (f > e) f = e;
    *first = f;
    *end = e;
}

#define IM2COL(NAME, T)                                                                           \
    GW_WINDOW_CLONES void NAME(const T *restrict x, T *restrict cols, ptrdiff_t rows, const struct gw_window *g) { \
        ptrdiff_t positions = g->output_height * g->output_width, width = rows * positions;      \
        ptrdiff_t plane_size = g->height * g->width;                                              \
        for (ptrdiff_t c = 0; c < g->channels; c++)                                               \
            for (ptrdiff_t i = 0; i < g->kernel_height; i++)                                      \
                for (ptrdiff_t j = 0; j < g->kernel_width; j++) {                                 \
                    ptrdiff_t first, end;                                                         \
                    valid_columns(g, j, &first, &end);                                            \
                    T *row = cols + ((c * g->kernel_height + i) * g->kernel_width + j) * width;  \
                    for (ptrdiff_t n = 0; n < rows; n++) {                                        \
                        const T *plane = x + (n * g->channels + c) * plane_size;                 \
                        for (ptrdiff_t oh = 0; oh < g->output_height; oh++) {                     \
                            T *out = row + n * positions + oh * g->output_width;                  \
                            ptrdiff_t h = oh * g->stride_height - g->pad_top + i;                 \
                            if (h < 0 || h >= g->height || first >= end) {                        \
                                memset(out, 0, sizeof(T) * g->output_width);                      \
                                continue;                                                         \
                            }                                                                     \
                            if (first > 0) memset(out, 0, sizeof(T) * first);                     \
                            const T *source = plane + h * g->width - g->pad_left + j;             \
                            if (g->stride_width == 1) {                                           \
                                memcpy(out + first, source + first, sizeof(T) * (end - first));   \
                            } else {                                                              \
                                for (ptrdiff_t ow = first; ow < end; ow++) out[ow] = source[ow * g->stride_width]; \
                            }                                                                     \
                            if (end < g->output_width) memset(out + end, 0, sizeof(T) * (g->output_width - end)); \
                        }                                                                         \
                    }                                                                             \
                }                                                                                 \
    }
IM2COL(gw_im2col_f32, float)
IM2COL(gw_im2col_f64, double)

// Window element (c, i, j) of every column is added onto its input position, channel by
// channel and window element by window element in order (a fixed order: the same bits).
#define COL2IM(NAME, T)                                                                           \
    GW_WINDOW_CLONES void NAME(const T *restrict cols, T *restrict x, ptrdiff_t rows, const struct gw_window *g) { \
        ptrdiff_t positions = g->output_height * g->output_width, width = rows * positions;      \
        ptrdiff_t plane_size = g->height * g->width;                                              \
        memset(x, 0, sizeof(T) * rows * g->channels * plane_size);                                \
        for (ptrdiff_t c = 0; c < g->channels; c++)                                               \
            for (ptrdiff_t i = 0; i < g->kernel_height; i++)                                      \
                for (ptrdiff_t j = 0; j < g->kernel_width; j++) {                                 \
                    ptrdiff_t first, end;                                                         \
                    valid_columns(g, j, &first, &end);                                            \
                    if (first >= end) continue;                                                   \
                    const T *row = cols + ((c * g->kernel_height + i) * g->kernel_width + j) * width; \
                    for (ptrdiff_t n = 0; n < rows; n++) {                                        \
                        T *plane = x + (n * g->channels + c) * plane_size;                       \
                        for (ptrdiff_t oh = 0; oh < g->output_height; oh++) {                     \
                            ptrdiff_t h = oh * g->stride_height - g->pad_top + i;                 \
                            if (h < 0 || h >= g->height) continue;                                \
                            const T *out = row + n * positions + oh * g->output_width;            \
                            T *target = plane + h * g->width - g->pad_left + j;                   \
                            for (ptrdiff_t ow = first; ow < end; ow++) target[ow * g->stride_width] += out[ow]; \
                        }                                                                         \
                    }                                                                             \
                }                                                                                 \
    }
COL2IM(gw_col2im_f32, float)
COL2IM(gw_col2im_f64, double)

void gw_bias_relu(void *x, const void *bias, ptrdiff_t rows, ptrdiff_t columns, double slope, int leaky, int f64) {
    if (f64) gw_bias_relu_f64(x, bias, rows, columns, slope, leaky);
    else gw_bias_relu_f32(x, bias, rows, columns, (float)slope, leaky);
}

void gw_relu_backward(const void *a, const void *g, void *out, ptrdiff_t count, double slope, int leaky, int f64) {
    if (f64) gw_relu_backward_f64(a, g, out, count, slope, leaky);
    else gw_relu_backward_f32(a, g, out, count, (float)slope, leaky);
}

void gw_column_sums(const void *x, void *sums, ptrdiff_t rows, ptrdiff_t columns, int f64) {
    if (f64) gw_column_sums_f64(x, sums, rows, columns);
    else gw_column_sums_f32(x, sums, rows, columns);
}

void gw_im2col(const void *x, void *cols, ptrdiff_t rows, const struct gw_window *g, int f64) {
    if (f64) gw_im2col_f64(x, cols, rows, g);
    else gw_im2col_f32(x, cols, rows, g);
}

void gw_col2im(const void *cols, void *x, ptrdiff_t rows, const struct gw_window *g, int f64) {
    if (f64) gw_col2im_f64(cols, x, rows, g);
    else gw_col2im_f32(cols, x, rows, g);
}
