/// A configuration value: what a component is built from and what it reports back.
///
/// It mirrors JSON's shapes without being JSON: the host turns wire messages into these, and
/// numerics read typed values out of them through `ResolvedConfig`.
public enum ConfigValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([ConfigValue])
    /// Keys in insertion order, so resolved configs print in schema order.
    case object([ConfigEntry])

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as a Double when it is a number of either kind.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// The value as an Int when it is an integer, or a real with an integral value.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .number(let d) where d.rounded() == d && abs(d) < 9.0e15: return Int(d)
        default: return nil
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var arrayValue: [ConfigValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectEntries: [ConfigEntry]? { if case .object(let o) = self { return o } else { return nil } }

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> ConfigValue? {
        guard case .object(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// A word for the value's type, for error messages: "a string", "an integer", ...
    public var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Builds an object from ordered pairs.
    public static func object(_ pairs: KeyValuePairs<String, ConfigValue>) -> ConfigValue {
        .object(pairs.map { ConfigEntry(key: $0.key, value: $0.value) })
    }

    /// Returns an object with `key` set to `value` (replaced in place or appended).
    public func setting(_ key: String, to value: ConfigValue) -> ConfigValue {
        guard case .object(var entries) = self else { return self }
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].value = value
        } else {
            entries.append(ConfigEntry(key: key, value: value))
        }
        return .object(entries)
    }
}

/// One member of a config object.
public struct ConfigEntry: Sendable, Equatable, Codable {
    public var key: String
    public var value: ConfigValue
    public init(key: String, value: ConfigValue) { self.key = key; self.value = value }
}

extension ConfigValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
                       ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
