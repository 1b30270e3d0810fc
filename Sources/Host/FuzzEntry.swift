import GradwellBuiltins
import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// The whole request path — framing, JSON decoding, validation, dispatch — for a fuzzer: bytes
/// in, lines out, with bounds small enough that no input can train or allocate for long.
public enum FuzzEntry {
    nonisolated(unsafe) private static var dispatcher: Dispatcher?
    private static let scratchDirectory: String = {
        var template = Array("/tmp/gradwell-fuzz-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        return PathPolicy.canonicalRoot(directory) ?? directory
    }()

    /// Feeds `bytes` to a host session as if they arrived on stdin. Sessions persist across
    /// calls (as a real host's would) but are reset every 1000 inputs so memory stays bounded.
    /// Returns what the host wrote (responses and notifications, one JSON text each) when
    /// `collect` is set, for tests that check every answer is a well-formed JSON-RPC message.
    @discardableResult
    public static func handle(_ bytes: UnsafeRawBufferPointer, reset: Bool = false, collect: Bool = false) -> [String] {
        if dispatcher == nil || reset {
            var limits = Limits()
            limits.maxLineBytes = 1 << 16
            limits.maxElements = 1 << 11
            limits.maxEpochs = 3
            limits.maxTrials = 2
            limits.allowWorkers = false
            limits.allowFullCheck = false
            // Files a fuzzed request names stay in a scratch directory of their own.
            limits.dataRoot = scratchDirectory
            dispatcher = Dispatcher(session: Session(registry: .builtins, limits: limits),
                                    emit: { if collecting { collected.append($0) } }, isCancelled: { _ in false })
        }
        collecting = collect
        collected = []
        defer { collected = [] }
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
        return collected
    }
    nonisolated(unsafe) private static var collecting = false
    nonisolated(unsafe) private static var collected: [String] = []
}
