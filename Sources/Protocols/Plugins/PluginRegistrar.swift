/// The plugin contract's version. A plugin exports it (see `PluginRegistrar`), and the host
/// refuses a plugin built against another version instead of calling into it.
public enum PluginABI {
    /// The ABI a plugin is built against. Emitted into the plugin itself (never read from the
    /// host's library at run time, as a stored constant would be in an unoptimized build), so
    /// the host compares its own version with the one the plugin was compiled with.
    @_alwaysEmitIntoClient public static var version: Int32 { 3 }
    /// The C symbol returning the plugin's ABI version: `@_cdecl` of a `() -> Int32` function.
    public static let versionSymbol = "gradwell_plugin_abi_version"
    /// The C symbol that registers the plugin's components: `(UnsafeMutableRawPointer) -> Int32`.
    public static let registerSymbol = "gradwell_plugin_register"
}

/// What a run-time plugin receives in `gradwell_plugin_register`: it adds its component types,
/// and the host adds them to its registry under the plugin's name.
///
/// A plugin library's whole entry point:
/// ```swift
/// @_cdecl("gradwell_plugin_abi_version") public func abiVersion() -> Int32 { PluginABI.version }
/// @_cdecl("gradwell_plugin_register")
/// public func register(_ registrar: UnsafeMutableRawPointer) -> Int32 {
///     PluginRegistrar.from(registrar).register { $0.add(optimizers: [Lion.self]) }
/// }
/// ```
public final class PluginRegistrar {
    public private(set) var layers: [any LayerDefinition.Type] = []
    public private(set) var initializers: [any Initializer.Type] = []
    public private(set) var regularizers: [any Regularizer.Type] = []
    public private(set) var optimizers: [any Optimizer.Type] = []
    public private(set) var schedules: [any Schedule.Type] = []
    public private(set) var losses: [any Loss.Type] = []
    public private(set) var generators: [any DataGenerator.Type] = []
    public private(set) var presets: [Preset] = []
    /// Why registration failed, when it did.
    public private(set) var failure: String?

    public init() {}

    /// The registrar behind the opaque pointer the host passed.
    public static func from(_ pointer: UnsafeMutableRawPointer) -> PluginRegistrar {
        Unmanaged<PluginRegistrar>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// An opaque pointer to hand to a plugin's register function.
    public var opaquePointer: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    public func add(layers: [any LayerDefinition.Type] = [], initializers: [any Initializer.Type] = [],
                    regularizers: [any Regularizer.Type] = [], optimizers: [any Optimizer.Type] = [],
                    schedules: [any Schedule.Type] = [], losses: [any Loss.Type] = [],
                    generators: [any DataGenerator.Type] = [], presets: [Preset] = []) {
        self.layers += layers
        self.initializers += initializers
        self.regularizers += regularizers
        self.optimizers += optimizers
        self.schedules += schedules
        self.losses += losses
        self.generators += generators
        self.presets += presets
    }

    /// Runs `body`, turning a thrown error into a failure the host reports; returns the
    /// status code the C entry point returns (0 for success).
    public func register(_ body: (PluginRegistrar) throws -> Void) -> Int32 {
        do {
            try body(self)
            return 0
        } catch {
            failure = "\(error)"
            return 1
        }
    }

    /// The registry extended with everything registered here, under `origin`.
    public func extending(_ registry: Registry, origin: String) throws -> Registry {
        try registry.adding(layers: layers, initializers: initializers, regularizers: regularizers, optimizers: optimizers,
                            schedules: schedules, losses: losses, generators: generators, presets: presets, origin: origin)
    }
}
