import CKernels
import GradwellBuiltins
import GradwellProtocols
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A file on disk, whatever the name it is reached by.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
}

/// File access for the protocol: every failure becomes -32004 naming the file.
enum Files {
    /// Writes all of `bytes` to `descriptor`, retrying interrupted and would-block writes.
    /// Returns nil once everything is written, else the errno of the write that failed (EIO
    /// for a write that wrote nothing).
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written > 0 {
                offset += written
            } else if written < 0 && (errno == EINTR || errno == EAGAIN) {
                continue
            } else {
                return written < 0 ? errno : EIO
            }
        }
        return nil
    }

    /// The SHA-256 of `bytes`, as 64 lowercase hex digits (what `sha256sum` prints).
    static func sha256(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBytes { gw_sha256($0.baseAddress, $0.count, &digest) }
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
    }

    /// Files no request may write over (the run log, registered when it is opened).
    static let protectedFiles = Mutex<Set<FileIdentity>>([])

    /// Protects the file at `path`, if it exists (the log a replay or report re-runs).
    static func protect(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return }
        protect(descriptor: descriptor)
        close(descriptor)
    }

    static func protect(descriptor: Int32) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return }
        _ = protectedFiles.withLock { $0.insert(FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))) }
    }

    static func failure(_ path: String, _ what: String, _ code: Int32 = errno) -> GradwellError {
        GradwellError(.io, "\(path): \(what): \(String(cString: strerror(code)))",
                      data: [ConfigEntry(key: "path", value: .string(path)),
                             ConfigEntry(key: "errno", value: .int(Int(code)))])
    }

    static func read(_ path: String) throws -> [UInt8] {
        // O_NONBLOCK: opening a FIFO (or a device) for reading would otherwise wait for a
        // writer for ever; it is refused below as not a regular file. A regular file's reads
        // ignore the flag.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw failure(path, "cannot open") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(path, "cannot stat") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw GradwellError(.io, "\(path): not a regular file", data: [ConfigEntry(key: "path", value: .string(path))]) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, "cannot read")
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// Writes `text` to a temporary file beside `path`, syncs it, and renames it over `path`;
    /// on any failure the temporary file is removed and the previous `path` is untouched.
    static func writeAtomically(_ text: String, to path: String) throws {
        // The rename below would replace whatever `path` is: only a regular file (or nothing)
        // may be replaced, never a device (/dev/null), a FIFO or a directory, nor this host's
        // own run log.
        var existing = stat()
        if stat(path, &existing) == 0 {
            guard (existing.st_mode & S_IFMT) == S_IFREG else {
                throw GradwellError(.io, "\(path): not a regular file; only a regular file is replaced",
                                    data: [ConfigEntry(key: "path", value: .string(path))])
            }
            if protectedFiles.withLock({ $0.contains(FileIdentity(device: UInt64(existing.st_dev), inode: UInt64(existing.st_ino))) }) {
                throw GradwellError(.io, "\(path): a run log this host is recording or replaying; writing it would destroy the log",
                                    data: [ConfigEntry(key: "path", value: .string(path))])
            }
        }
        let temporary = "\(path).tmp-\(getpid())"
        // A stale temporary of ours is removed; whatever else is there (a planted link) is refused.
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(path, "cannot create \(temporary)") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        if let code = writeAll(descriptor, Array(text.utf8)) {
            close(descriptor)
            throw failure(path, "cannot write", code)
        }
        if fsync(descriptor) != 0 {
            let code = errno
            close(descriptor)
            throw failure(path, "cannot sync", code)
        }
        if close(descriptor) != 0 { throw failure(path, "cannot close") }
        guard rename(temporary, path) == 0 else { throw failure(path, "cannot rename \(temporary) to it") }
        ok = true
    }
}
