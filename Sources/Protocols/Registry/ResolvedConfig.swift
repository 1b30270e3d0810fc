/// A component's config after validation: its type name and every parameter, defaults filled in,
/// in schema order. Components read their settings from it; it prints back as the config that
/// rebuilds the same component (the round trip `registry/list` and the tests rely on).
public struct ResolvedConfig: Sendable, Equatable {
    public var type: String
    public var kind: ComponentKind
    /// Parameter values in schema order. Nested components are `.component` entries.
    public var values: [(name: String, value: Value)]

    public enum Value: Sendable, Equatable {
        case plain(ConfigValue)
        case component(ResolvedConfig)
    }

    public init(type: String, kind: ComponentKind, values: [(name: String, value: Value)]) {
        self.type = type
        self.kind = kind
        self.values = values
    }

    public static func == (lhs: ResolvedConfig, rhs: ResolvedConfig) -> Bool {
        lhs.type == rhs.type && lhs.kind == rhs.kind && lhs.values.count == rhs.values.count
            && zip(lhs.values, rhs.values).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    private func value(_ name: String) -> Value {
        guard let entry = values.first(where: { $0.name == name }) else {
            preconditionFailure("\(type) has no parameter '\(name)' in its schema")
        }
        return entry.value
    }

    private func plain(_ name: String) -> ConfigValue {
        guard case .plain(let v) = value(name) else { preconditionFailure("\(type).\(name) is a component") }
        return v
    }

    public func double(_ name: String) -> Double { plain(name).doubleValue! }
    public func optionalDouble(_ name: String) -> Double? { plain(name).doubleValue }
    public func int(_ name: String) -> Int { plain(name).intValue! }
    public func optionalInt(_ name: String) -> Int? { plain(name).intValue }
    public func bool(_ name: String) -> Bool { plain(name).boolValue! }
    public func string(_ name: String) -> String { plain(name).stringValue! }
    public func numbers(_ name: String) -> [Double]? { plain(name).arrayValue?.compactMap { $0.doubleValue } }
    /// An `integers` parameter as `count` integers (one integer repeated), or nil for "same" or null.
    public func integers(_ name: String, count: Int) -> [Int]? {
        let value = plain(name)
        if let single = value.intValue { return Array(repeating: single, count: count) }
        return value.arrayValue?.compactMap(\.intValue)
    }
    public func component(_ name: String) -> ResolvedConfig {
        guard case .component(let c) = value(name) else { preconditionFailure("\(type).\(name) is not a component") }
        return c
    }

    /// The same config without parameter `name` (to compare two configs but for one setting).
    public func removing(_ name: String) -> ResolvedConfig {
        ResolvedConfig(type: type, kind: kind, values: values.filter { $0.name != name })
    }

    /// The config as a value: `{"type": ..., every parameter...}`, nested components expanded.
    public var configValue: ConfigValue {
        var entries = [ConfigEntry(key: "type", value: .string(type))]
        for (name, value) in values {
            switch value {
            case .plain(let v): entries.append(ConfigEntry(key: name, value: v))
            case .component(let c): entries.append(ConfigEntry(key: name, value: c.configValue))
            }
        }
        return .object(entries)
    }
}
