// libFuzzer's driver entry point (compiler-rt), present when linked with -sanitize=fuzzer.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
// libFuzzer's own byte-level mutator, for a custom mutator to fall back on.
size_t LLVMFuzzerMutate(uint8_t *Data, size_t Size, size_t MaxSize);
