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
    /// How much of `buffer` is known to hold no newline, so each byte is scanned once.
    private var scanned = 0

    init(descriptor: Int32, maximumLength: Int) {
        self.descriptor = descriptor
        self.maximumLength = maximumLength
    }

    /// The next line without its "\n" (and without a "\r" before it), or nil at end of input.
    func next() -> Line? {
        while true {
            if let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                scanned = 0
                if skipping {
                    let length = skippedLength + newline
                    buffer.removeSubrange(0...newline)
                    skipping = false
                    skippedLength = 0
                    return .tooLong(length: length)
                }
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(0...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if line.count > maximumLength { return .tooLong(length: line.count) }
                return .text(line)
            }
            scanned = buffer.count
            if skipping {
                skippedLength += buffer.count
                buffer.removeAll(keepingCapacity: true)
                scanned = 0
            } else if buffer.count > maximumLength {
                skipping = true
                skippedLength = buffer.count
                buffer.removeAll(keepingCapacity: true)
                scanned = 0
            }
            if atEnd {
                if skipping { skipping = false; return .tooLong(length: skippedLength) }
                if buffer.isEmpty { return nil }
                let line = buffer
                buffer.removeAll()
                scanned = 0
                return line.count > maximumLength ? .tooLong(length: line.count) : .text(line)
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
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written > 0 {
                offset += written
            } else if written < 0 && (errno == EINTR || errno == EAGAIN) {
                continue
            } else {
                closed = true
                return
            }
        }
    }
}
