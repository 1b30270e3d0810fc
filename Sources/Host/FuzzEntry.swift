import GradwellBuiltins
import GradwellProtocols

/// The whole request path — framing, JSON decoding, validation, dispatch — for a fuzzer: bytes
/// in, lines out, with bounds small enough that no input can train or allocate for long.
public enum FuzzEntry {
    nonisolated(unsafe) private static var dispatcher: Dispatcher?

    /// Feeds `bytes` to a host session as if they arrived on stdin. Sessions persist across
    /// calls (as a real host's would) but are reset every 1000 inputs so memory stays bounded.
    public static func handle(_ bytes: UnsafeRawBufferPointer, reset: Bool = false) {
        if dispatcher == nil || reset {
            var limits = Limits()
            limits.maxLineBytes = 1 << 16
            limits.maxElements = 1 << 11
            limits.maxEpochs = 3
            limits.maxTrials = 2
            limits.allowWorkers = false
            dispatcher = Dispatcher(session: Session(registry: .builtins, limits: limits), emit: { _ in }, isCancelled: { _ in false })
        }
        var start = 0
        let count = bytes.count
        while start <= count {
            var end = start
            while end < count && bytes[end] != 10 { end += 1 }
            var line = Array(bytes[start..<end])
            if line.last == 13 { line.removeLast() }
            dispatcher!.handle(line.count > (1 << 16) ? .tooLong(length: line.count) : .text(line))
            start = end + 1
        }
    }
}
