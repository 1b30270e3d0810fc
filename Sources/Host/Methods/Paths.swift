import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// Where requests may read and write files. Without `--data-root` a path means what it means to
/// the host process; with it, every path a request names (data files, model files, checkpoints)
/// must resolve inside that directory — after `..` and symbolic links — or the request is
/// refused with -32602 naming the field. Relative paths are then taken relative to the root.
struct PathPolicy: Sendable {
    /// The data root as `realpath` gives it, or nil when requests may name any path.
    let root: String?

    init(root: String?) { self.root = root }

    /// Canonicalizes `directory` for `--data-root`, or nil when it is not an existing directory.
    static func canonicalRoot(_ directory: String) -> String? {
        guard let real = canonical(directory) else { return nil }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return real
    }

    /// The path to open for the request field `field`: existing parts are resolved by the
    /// kernel (symbolic links followed), the rest by name; the result must lie inside the root.
    func resolve(_ path: String, field: String) throws -> String {
        guard !path.isEmpty else { throw GradwellError.invalid(field, expected: "a file path", got: "''") }
        guard !path.utf8.contains(0) else { throw GradwellError.invalid(field, expected: "a file path without NUL characters") }
        guard let root else { return path }
        let absolute = path.hasPrefix("/") ? path : root + "/" + path
        // The longest existing prefix is resolved by the kernel (links and all); what follows
        // does not exist yet, so it is resolved by name.
        var components = absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var rest: [String] = []
        var base: String?
        while base == nil {
            base = Self.canonical("/" + components.joined(separator: "/"))
            if base == nil { rest.insert(components.removeLast(), at: 0) }
        }
        var parts = base!.split(separator: "/").map(String.init)
        for part in rest where part != "." {
            if part == ".." { if !parts.isEmpty { parts.removeLast() } } else { parts.append(part) }
        }
        let target = "/" + parts.joined(separator: "/")
        guard target == root || target.hasPrefix(root == "/" ? "/" : root + "/") else {
            throw outside(path, field: field, because: "it resolves to \(target)")
        }
        return target
    }

    private func outside(_ path: String, field: String, because reason: String) -> GradwellError {
        GradwellError(.invalidParams,
                      "\(field): '\(path)' is outside the data root \(root ?? "") (\(reason)); the host was started with --data-root",
                      data: [ConfigEntry(key: "path", value: .string(field)),
                             ConfigEntry(key: "expected", value: .string("a path inside \(root ?? "")")),
                             ConfigEntry(key: "file", value: .string(path))])
    }

    private static func canonical(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
