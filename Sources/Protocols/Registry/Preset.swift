/// A second name for a registered component with other defaults: `adamw` is `adam` with
/// decoupled weight decay, `nesterov` is `momentum` with the look-ahead. Requests, logs and
/// saved models keep the preset's name; what is built is the base component, from a config
/// with the preset's defaults, and `registry/list` shows the preset's own schema.
public struct Preset: Sendable {
    public var kind: ComponentKind
    public var name: String
    /// The registered component it sets up.
    public var base: String
    /// Parameters of the base whose default the preset changes.
    public var defaults: [ConfigEntry]
    public var summary: String

    public init(_ kind: ComponentKind, _ name: String, of base: String, defaults: KeyValuePairs<String, ConfigValue>,
                _ summary: String) {
        self.kind = kind
        self.name = name
        self.base = base
        self.defaults = defaults.map { ConfigEntry(key: $0.key, value: $0.value) }
        self.summary = summary
    }
}
