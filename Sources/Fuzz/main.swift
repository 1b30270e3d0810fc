// The fuzz target over the whole request path.
//
// Built for fuzzing (scripts/fuzz):
//   swift build --product gradwell-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DGRADWELL_FUZZ -Xswiftc -use-ld=lld
// then run with SWIFT_BACKTRACE=enable=no. Built normally, it replays the files named on the
// command line through the same path (how crash regressions are re-run).
import Foundation
import GradwellHost
#if GRADWELL_FUZZ
import CFuzzer
#endif

nonisolated(unsafe) var inputs = 0

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    inputs += 1
    // Fuzz inputs that train must stay tiny: epochs and sizes are bounded by the session's limits.
    FuzzEntry.handle(UnsafeRawBufferPointer(start: data, count: size), reset: inputs % 1000 == 0)
    return 0
}

#if GRADWELL_FUZZ
// libFuzzer's library refers to this symbol; the driver below is what actually runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzOne(data, size) }

// The structure-aware mutator (FuzzEntry.mutate) for half the mutations, libFuzzer's byte-level
// one for the rest (and whenever no line of the input parses as JSON).
@_cdecl("LLVMFuzzerCustomMutator")
public func customMutator(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    if let data, seed & 1 == 0, let mutated = FuzzEntry.mutate(data, size: size, maxSize: maxSize, seed: seed >> 1) {
        return mutated
    }
    return LLVMFuzzerMutate(data, size, maxSize)
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
#else
for path in CommandLine.arguments.dropFirst() {
    guard let data = FileManager.default.contents(atPath: path) else { continue }
    data.withUnsafeBytes { raw in _ = fuzzOne(raw.bindMemory(to: UInt8.self).baseAddress, raw.count) }
}
print("replayed \(CommandLine.arguments.count - 1) inputs")
#endif
