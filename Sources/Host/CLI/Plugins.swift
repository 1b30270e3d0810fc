import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// Loads run-time plugins: shared libraries that export `gradwell_plugin_abi_version` and
/// `gradwell_plugin_register` (see plugins-spec/PLUGINS.md). Any failure stops the host from
/// starting, with a message naming the library: a run must never silently lack a component.
enum PluginLoader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Paths from `--plugin` flags, then from `GRADWELL_PLUGINS` (colon-separated).
    static func paths(flags: [String], environment: [String: String]) -> [String] {
        flags + (environment["GRADWELL_PLUGINS"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }

    static func load(_ paths: [String], into registry: Registry) throws -> Registry {
        var registry = registry
        for path in paths {
            let name = "plugin " + (path.split(separator: "/").last.map(String.init) ?? path)
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw Failure(description: "\(path): no such plugin library (\(String(cString: strerror(errno))))")
            }
            // The file found, by its full path: dlopen would look a bare name ("libLion.so") up
            // in the loader's search path instead of the current directory.
            guard let resolved = realpath(path, nil) else {
                throw Failure(description: "\(path): cannot resolve (\(String(cString: strerror(errno))))")
            }
            let fullPath = String(cString: resolved)
            free(resolved)
            // RTLD_LOCAL: the plugin's own symbols stay private; it shares libGradwell.so with us.
            guard let handle = dlopen(fullPath, RTLD_NOW | RTLD_LOCAL) else {
                let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
                throw Failure(description: "\(path): not a loadable shared library: \(reason)")
            }
            guard let versionSymbol = dlsym(handle, PluginABI.versionSymbol) else {
                throw Failure(description: "\(path): not a Gradwell plugin (it does not export \(PluginABI.versionSymbol))")
            }
            typealias VersionFunction = @convention(c) () -> Int32
            let version = unsafeBitCast(versionSymbol, to: VersionFunction.self)()
            guard version == PluginABI.version else {
                throw Failure(description: "\(path): built against plugin ABI \(version); this host speaks \(PluginABI.version) — rebuild the plugin against this Gradwell")
            }
            guard let registerSymbol = dlsym(handle, PluginABI.registerSymbol) else {
                throw Failure(description: "\(path): does not export \(PluginABI.registerSymbol)")
            }
            typealias RegisterFunction = @convention(c) (UnsafeMutableRawPointer) -> Int32
            let registrar = PluginRegistrar()
            let status = unsafeBitCast(registerSymbol, to: RegisterFunction.self)(registrar.opaquePointer)
            guard status == 0 else {
                throw Failure(description: "\(path): registration failed: \(registrar.failure ?? "status \(status)")")
            }
            do {
                registry = try registrar.extending(registry, origin: name)
            } catch let error as GradwellError {
                throw Failure(description: "\(path): \(error.message)")
            }
        }
        return registry
    }
}
