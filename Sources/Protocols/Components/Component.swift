/// The families of components the registry holds, named as in `registry/list`.
public enum ComponentKind: String, CaseIterable, Sendable, Codable {
    case layer, initializer, regularizer, optimizer, schedule, loss, generator

    /// The key of this family in `registry/list`'s result.
    public var pluralName: String { self == .loss ? "losses" : rawValue + "s" }
}

/// What every registered component declares: a stable snake_case name and a parameter schema.
public protocol ComponentDescription {
    /// The snake_case name requests use, e.g. "adam".
    static var name: String { get }
    /// Every parameter with its type, default and bounds.
    static var parameters: [ParameterSpec] { get }
    /// One line for people, with the paper where there is one.
    static var summary: String { get }
}

extension ComponentDescription {
    public static var summary: String { "" }
}

/// A component built from a validated config (initializers, regularizers, optimizers, losses,
/// schedules, generators). Layers are built per element type instead: see `LayerDefinition`.
public protocol Component: ComponentDescription, Sendable {
    init(config: ResolvedConfig) throws
    /// Builds the component from the registry that resolved its config: a component that builds
    /// others (a warm-up's `then`) builds them from it, so a plugin's component can be nested.
    init(config: ResolvedConfig, registry: Registry) throws
}

// MARK: - Default implementations

extension Component {
    public init(config: ResolvedConfig, registry: Registry) throws { try self.init(config: config) }
}
