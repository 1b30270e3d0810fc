/// One parameter of a component's schema: its name, type, default and bounds.
/// `registry/list` prints these, and `Registry.resolve` validates configs against them.
public struct ParameterSpec: Sendable {
    public enum Kind: Sendable, Equatable {
        case number
        case integer
        case boolean
        /// A string; when `choices` is not empty it must be one of them.
        case string(choices: [String])
        /// A nested component of the given kind, e.g. a dense layer's `init`.
        case component(ComponentKind)
        /// A list of numbers (e.g. a generator's centers).
        case numberList
        /// Integers per spatial dimension (a kernel size, a stride, a padding): one integer
        /// (the same for every dimension) or an array of `count`; with `allowsSame`, also the
        /// string "same". Bounded by `minimum`.
        case integers(count: Int, allowsSame: Bool)
    }

    public var name: String
    public var kind: Kind
    /// The default; nil means the parameter is required. `.null` means "absent by default".
    public var defaultValue: ConfigValue?
    public var minimum: Double?
    public var maximum: Double?
    public var exclusiveMinimum: Bool
    public var exclusiveMaximum: Bool
    /// One line for people: what the parameter does, and which convention it selects.
    public var summary: String
    /// When the choices are names of a family (e.g. "activation"), an unknown one is reported
    /// as an unknown component (-32001) of that family rather than as a bad value.
    public var choiceFamily: String?

    public init(_ name: String, _ kind: Kind, default defaultValue: ConfigValue?, minimum: Double? = nil,
                maximum: Double? = nil, exclusiveMinimum: Bool = false, exclusiveMaximum: Bool = false,
                summary: String = "") {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
        self.exclusiveMinimum = exclusiveMinimum
        self.exclusiveMaximum = exclusiveMaximum
        self.summary = summary
    }

    public static func number(_ name: String, default value: Double?, min: Double? = nil, max: Double? = nil,
                              exclusiveMin: Bool = false, exclusiveMax: Bool = false, _ summary: String = "") -> ParameterSpec {
        ParameterSpec(name, .number, default: value.map { .number($0) }, minimum: min, maximum: max,
                      exclusiveMinimum: exclusiveMin, exclusiveMaximum: exclusiveMax, summary: summary)
    }

    public static func integer(_ name: String, default value: Int?, min: Int? = nil, max: Int? = nil,
                               _ summary: String = "") -> ParameterSpec {
        ParameterSpec(name, .integer, default: value.map { .int($0) }, minimum: min.map(Double.init),
                      maximum: max.map(Double.init), summary: summary)
    }

    public static func boolean(_ name: String, default value: Bool, _ summary: String = "") -> ParameterSpec {
        ParameterSpec(name, .boolean, default: .bool(value), summary: summary)
    }

    /// The `lr` the registry gives every optimizer (see `Optimizer.defaultLearningRate`).
    public static func learningRate(default value: Double) -> ParameterSpec {
        .number("lr", default: value, min: 0, exclusiveMin: true, "Learning rate (a schedule scales it per epoch).")
    }

    public static func choice(_ name: String, _ choices: [String], default value: String?, family: String? = nil,
                              _ summary: String = "") -> ParameterSpec {
        var spec = ParameterSpec(name, .string(choices: choices), default: value.map { .string($0) }, summary: summary)
        spec.choiceFamily = family
        return spec
    }

    /// One integer per spatial dimension: `3` or `[3, 2]` for two dimensions (and "same" when allowed).
    public static func integers(_ name: String, count: Int, default value: ConfigValue?, min: Int, allowsSame: Bool = false,
                                _ summary: String = "") -> ParameterSpec {
        ParameterSpec(name, .integers(count: count, allowsSame: allowsSame), default: value, minimum: Double(min), summary: summary)
    }

    public static func component(_ name: String, _ kind: ComponentKind, default value: String?, _ summary: String = "") -> ParameterSpec {
        ParameterSpec(name, .component(kind), default: value.map { .string($0) }, summary: summary)
    }

    /// What a valid value looks like, for error messages: "a number > 0 and <= 1".
    public var expectation: String {
        var text: String
        switch kind {
        case .number: text = "a number"
        case .integer: text = "an integer"
        case .boolean: text = "a boolean"
        case .string(let choices): text = choices.isEmpty ? "a string" : "one of \(choices.joined(separator: ", "))"
        case .component(let kind): text = "a \(kind.rawValue) name or {\"type\": name, ...}"
        case .numberList: text = "an array of numbers"
        case .integers(let count, let same):
            let bound = minimum.map { " >= \(Self.format($0))" } ?? ""
            text = count == 1 ? "an integer\(bound)" : "an integer\(bound) or an array of \(count) such integers"
            if same { text += ", or \"same\"" }
            return text
        }
        var bounds: [String] = []
        if let minimum { bounds.append("\(exclusiveMinimum ? ">" : ">=") \(Self.format(minimum))") }
        if let maximum { bounds.append("\(exclusiveMaximum ? "<" : "<=") \(Self.format(maximum))") }
        if !bounds.isEmpty { text += " " + bounds.joined(separator: " and ") }
        return text
    }

    /// A bound as people write it: "1" rather than "1.0".
    public static func format(_ value: Double) -> String {
        if value.rounded() == value && abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }
}

extension ParameterSpec {
    /// Checks `value` against this spec (its type, bounds and choices) and returns it as the
    /// config holds it (integers as `.int`, numbers as `.number`); `path` names it in the error.
    /// The one validator: the registry checks component configs with it, the host request fields.
    /// A nested component is resolved by `Registry.resolve`, not here.
    public func validate(_ value: ConfigValue, path: String) throws -> ConfigValue {
        switch kind {
        case .number, .integer:
            guard let number = value.doubleValue else {
                throw GradwellError.invalid(path, expected: expectation, got: value.typeDescription)
            }
            if kind == .integer && value.intValue == nil {
                throw GradwellError.invalid(path, expected: expectation, got: "\(number)")
            }
            guard number.isFinite else { throw GradwellError.invalid(path, expected: expectation, got: "\(number)") }
            let got = Self.format(number)
            if let minimum = minimum, exclusiveMinimum ? !(number > minimum) : !(number >= minimum) {
                throw GradwellError.invalid(path, expected: expectation, got: got)
            }
            if let maximum = maximum, exclusiveMaximum ? !(number < maximum) : !(number <= maximum) {
                throw GradwellError.invalid(path, expected: expectation, got: got)
            }
            return (kind == .integer ? .int(value.intValue!) : .number(number))
        case .boolean:
            guard value.boolValue != nil else { throw GradwellError.invalid(path, expected: expectation, got: value.typeDescription) }
            return (value)
        case .string(let choices):
            guard let text = value.stringValue else {
                throw GradwellError.invalid(path, expected: expectation, got: value.typeDescription)
            }
            if !choices.isEmpty && !choices.contains(text) {
                if let family = choiceFamily {
                    throw GradwellError.unknownComponent(path, kind: family, name: text, available: choices)
                }
                throw GradwellError.invalid(path, expected: expectation, got: "'\(text)'").suggesting(for: text, in: choices)
            }
            return (value)
        case .component:
            throw GradwellError.invalid(path, expected: expectation, got: value.typeDescription)
        case .integers(let count, let allowsSame):
            if allowsSame, value.stringValue == "same" { return (value) }
            let items = value.intValue.map { [$0] } ?? value.arrayValue?.compactMap(\.intValue)
            guard let items, value.intValue != nil || items.count == count && value.arrayValue?.count == count,
                  items.allSatisfy({ Double($0) >= (minimum ?? -.infinity) && $0 <= 1 << 30 }) else {
                throw GradwellError.invalid(path, expected: expectation, got: value.intValue.map(String.init) ?? value.typeDescription)
            }
            return (value)
        case .numberList:
            guard let items = value.arrayValue, items.allSatisfy({ $0.doubleValue?.isFinite == true }) else {
                throw GradwellError.invalid(path, expected: expectation, got: value.typeDescription)
            }
            return (value)
        }
    }
}
