import Foundation
import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// `--record FILE`: every request as received, every response and notification, after a
/// first line describing the host. Each line is one `write` to a file opened for appending
/// and locked, so a crash loses at most the line being written and two hosts never interleave.
///
/// The log is also a script: requests are recorded as sent, the header is a notification
/// (`$/record`) and responses are ignored as input, so `gradwell < run.jsonl` reruns it.
final class RunLog: @unchecked Sendable {
    static let headerMethod = "$/record"
    static let unparsedMethod = "$/record/unparsed"
    /// Notifications the host sends; in a log they are output, not input.
    static let hostNotifications: Set<String> = ["metric", "trial"]

    private let descriptor: Int32
    private let lock = NSLock()
    let path: String

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Files.failure(path, "cannot open the run log") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw GradwellError(.io, "\(path): another gradwell host is recording to this log", data: [ConfigEntry(key: "path", value: .string(path))])
        }
        // No model/save or checkpoint of this host may replace the log it is writing.
        Files.protect(descriptor: descriptor)
    }

    deinit { close(descriptor) }

    /// The first line: what produced the log, so a replay can refuse a log it cannot honour.
    func writeHeader(threads: Int, limits: Limits) {
        var system = utsname()
        uname(&system)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        write(JSON.encode(.object([
            "jsonrpc": "2.0", "method": .string(Self.headerMethod),
            "params": .object([
                "gradwell": .string(Session.version), "protocol": .int(Session.protocolVersion), "build": .string(build),
                "blas_threads": .int(threads), "denormals": .string(Denormals.current.rawValue), "blas": "OpenBLAS",
                // The bounds requests were judged by: a replay applies them, so refusals repeat.
                "limits": .object(["max_line_bytes": .int(limits.maxLineBytes), "max_elements": .int(limits.maxElements),
                                   "max_epochs": .int(limits.maxEpochs)]),
                "machine": .object(["os": .string(text(system.sysname)), "release": .string(text(system.release)),
                                    "arch": .string(text(system.machine)), "cores": .int(sysconf(Int32(_SC_NPROCESSORS_ONLN))),
                                    // What a result's last bits depend on: a replay compares these first.
                                    "cpu": .string(Machine.current.cpu), "isa": .string(Machine.current.isa),
                                    "blas": Machine.current.value["blas"]!, "kernels": .string(Machine.current.kernels),
                                    "small_products": .string(Machine.current.smallProducts)]),
                "started": .string(ISO8601DateFormatter().string(from: Date())),
            ]),
        ])))
    }

    /// Records an input line: as sent when it is JSON, wrapped when it is not.
    func recordInput(_ line: LineReader.Line, parsed: Bool) {
        switch line {
        case .text(let bytes) where parsed:
            write(String(decoding: bytes, as: UTF8.self))
        case .text(let bytes):
            write(JSON.encode(.object(["jsonrpc": "2.0", "method": .string(Self.unparsedMethod),
                                       "params": .object(["text": .string(String(decoding: bytes.prefix(1 << 20), as: UTF8.self)),
                                                          "bytes": .int(bytes.count)])])))
        case .tooLong(let length):
            write(JSON.encode(.object(["jsonrpc": "2.0", "method": .string(Self.unparsedMethod),
                                       "params": .object(["bytes": .int(length), "too_long": true])])))
        }
    }

    func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        // A log line that cannot be written is dropped; the host goes on serving.
        _ = Files.writeAll(descriptor, Array(line.utf8) + [10])
    }
}
