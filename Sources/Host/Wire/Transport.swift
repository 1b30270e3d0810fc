import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Splits a byte stream into lines, and knows nothing of what the lines mean.
///
/// A line longer than `maximumLength` is not kept: its bytes are skipped up to the next newline
/// and it is reported as `.tooLong`, so one absurd line cannot exhaust memory.
final class LineReader {
    enum Line {
        case text([UInt8])
        case tooLong(length: Int)
    }

    private let descriptor: Int32
    private let maximumLength: Int
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var skipping = false
    private var skippedLength = 0
    private var atEnd = false
    /// Where the unread part of `buffer` starts: consumed lines are not removed one by one
    /// (a memmove of the whole buffer per line), but all at once when the next read needs room.
    private var start = 0
    /// How much of `buffer` (from `start`) is known to hold no newline, so each byte is scanned once.
    private var scanned = 0

    init(descriptor: Int32, maximumLength: Int) {
        self.descriptor = descriptor
        self.maximumLength = maximumLength
    }

    /// The next line without its "\n" (and without a "\r" before it), or nil at end of input.
    func next() -> Line? {
        while true {
            if let newline = buffer[(start + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                scanned = 0
                let lineStart = start
                start = newline + 1
                if skipping {
                    skipping = false
                    let length = skippedLength + newline - lineStart
                    skippedLength = 0
                    return .tooLong(length: length)
                }
                var end = newline
                if end > lineStart && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                if end - lineStart > maximumLength { return .tooLong(length: end - lineStart) }
                return .text(Array(buffer[lineStart..<end]))
            }
            scanned = buffer.count - start
            if skipping {
                skippedLength += buffer.count - start
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
            } else if buffer.count - start > maximumLength {
                skipping = true
                skippedLength = buffer.count - start
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
            }
            if atEnd {
                if skipping { skipping = false; return .tooLong(length: skippedLength) }
                if start >= buffer.count { return nil }
                let line = Array(buffer[start...])
                buffer.removeAll()
                start = 0
                scanned = 0
                return line.count > maximumLength ? .tooLong(length: line.count) : .text(line)
            }
            if start > 0 {
                buffer.removeSubrange(0..<start)
                start = 0
            }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                atEnd = true
            }
        }
    }
}

/// Writes whole lines to a file descriptor, one writer at a time, each line flushed as written.
/// When the reader stops reading, `write` blocks (messages are neither lost nor reordered);
/// when it has gone away (EPIPE), output is dropped and `closed` becomes true.
final class LineWriter: @unchecked Sendable {
    private let descriptor: Int32
    private let lock = NSLock()
    private(set) var closed = false
    /// Called with every line written (the run log records it).
    var tap: ((String) -> Void)?

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        tap?(line)
        guard !closed else { return }
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        if Files.writeAll(descriptor, bytes) != nil { closed = true }
    }
}
