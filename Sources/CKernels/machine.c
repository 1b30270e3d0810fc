// What this CPU can run, read from CPUID and XGETBV (a feature counts only when the operating
// system saves its registers), and which copy of the element-wise kernels the loader picked.
#include "gradwell_kernels.h"
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long gw_xcr0(void) {
    unsigned eax, edx;
    __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

void gw_cpu_features(struct gw_cpu_features *out) {
    memset(out, 0, sizeof *out);
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return;
    int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1;
    unsigned long long xcr0 = osxsave ? gw_xcr0() : 0;
    int ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0, tiles = (xcr0 & 0x60000) == 0x60000;
    out->avx = avx && ymm;
    unsigned max = __get_cpuid_max(0, 0);
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        out->avx2 = out->avx && fma && ((b >> 5) & 1);
        out->avx512 = zmm && ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);  // F DQ BW VL
        out->amx = tiles && ((d >> 24) & 1) && ((d >> 22) & 1);  // AMX-TILE, AMX-BF16
        __cpuid_count(7, 1, a, b, c, d);
        out->avx512_bf16 = out->avx512 && ((a >> 5) & 1);
    }
    unsigned top = __get_cpuid_max(0x80000000, 0);
    if (top >= 0x80000004) {
        unsigned words[12];
        for (unsigned i = 0; i < 3; i++)
            __get_cpuid(0x80000002 + i, &words[4 * i], &words[4 * i + 1], &words[4 * i + 2], &words[4 * i + 3]);
        memcpy(out->brand, words, 48);
        out->brand[48] = 0;
    }
    __get_cpuid(0, &a, &b, &c, &d);
    memcpy(out->vendor, &b, 4);
    memcpy(out->vendor + 4, &d, 4);
    memcpy(out->vendor + 8, &c, 4);
    out->vendor[12] = 0;
}

const char *gw_elementwise_kernels(void) {
    // The same test, in the same order, as the target_clones resolver of kernels.c.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return "avx512";
    if (__builtin_cpu_supports("avx2")) return "avx2";
    return "baseline";
}
#else
void gw_cpu_features(struct gw_cpu_features *out) { memset(out, 0, sizeof *out); }
const char *gw_elementwise_kernels(void) { return "baseline"; }
#endif

#if defined(__GLIBC__)
#include <malloc.h>
void gw_return_free_memory(void) { malloc_trim(0); }
#else
void gw_return_free_memory(void) {}
#endif
