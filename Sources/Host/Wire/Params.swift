import GradwellProtocols

/// Typed access to a request's `params` object, every error naming the field's full path
/// (`params.layers[1].units`) and what was expected.
struct Params {
    let entries: [ConfigEntry]
    let path: String

    init(_ value: ConfigValue, path: String = "params") throws {
        guard case .object(let entries) = value else {
            throw GradwellError.invalid(path, expected: "an object", got: value.typeDescription)
        }
        self.entries = entries
        self.path = path
    }

    func field(_ key: String) -> String { "\(path).\(key)" }

    /// The raw value of `key`, or nil when absent or null.
    func value(_ key: String) -> ConfigValue? {
        guard let value = entries.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    func has(_ key: String) -> Bool { value(key) != nil }

    /// Refuses members not in `known`, so a misspelt option is an error instead of being ignored.
    func allowOnly(_ known: [String]) throws {
        for entry in entries where !known.contains(entry.key) {
            let suggestion = Suggestion.closest(to: entry.key, in: known)
            throw GradwellError(.invalidParams,
                "\(field(entry.key)) is not a parameter of this method;\(suggestion.map { " did you mean '\($0)'?" } ?? "") it takes: \(known.joined(separator: ", "))",
                data: [ConfigEntry(key: "path", value: .string(field(entry.key))),
                       ConfigEntry(key: "expected", value: .string("one of: \(known.joined(separator: ", "))"))]
                    + (suggestion.map { [ConfigEntry(key: "suggestion", value: .string($0))] } ?? []))
        }
    }

    /// The value of `key` checked against `spec` (the validator component configs use), or nil when absent.
    private func checked(_ key: String, _ spec: ParameterSpec) throws -> ConfigValue? {
        try value(key).map { try spec.validate($0, path: field(key)) }
    }

    /// The value of `key` checked against `spec`; absent, `fallback`, or an error naming what was expected.
    private func required<T>(_ key: String, _ spec: ParameterSpec, _ fallback: T?, _ read: (ConfigValue) -> T?) throws -> T {
        if let value = try checked(key, spec), let typed = read(value) { return typed }
        if let fallback { return fallback }
        throw GradwellError.missing(field(key), expected: spec.expectation)
    }

    func string(_ key: String) throws -> String {
        try required(key, .choice(key, [], default: nil), nil, \.stringValue)
    }

    func string(_ key: String, default fallback: String, choices: [String] = []) throws -> String {
        try required(key, .choice(key, choices, default: fallback), fallback, \.stringValue)
    }

    /// A non-empty name: of a data set or a model.
    func name(_ key: String) throws -> String {
        let text = try string(key)
        guard !text.isEmpty, text.count <= 256 else {
            throw GradwellError.invalid(field(key), expected: "a non-empty name of at most 256 characters", got: "'\(text.prefix(40))'")
        }
        return text
    }

    func int(_ key: String, default fallback: Int? = nil, min: Int? = nil, max: Int? = nil) throws -> Int {
        try required(key, .integer(key, default: nil, min: min, max: max), fallback, \.intValue)
    }

    func optionalInt(_ key: String, min: Int? = nil, max: Int? = nil) throws -> Int? {
        has(key) ? try int(key, min: min, max: max) : nil
    }

    func double(_ key: String, default fallback: Double? = nil, min: Double? = nil, max: Double? = nil,
                exclusiveMin: Bool = false) throws -> Double {
        try required(key, .number(key, default: nil, min: min, max: max, exclusiveMin: exclusiveMin), fallback, \.doubleValue)
    }

    func optionalDouble(_ key: String, min: Double? = nil, max: Double? = nil, exclusiveMin: Bool = false) throws -> Double? {
        has(key) ? try double(key, min: min, max: max, exclusiveMin: exclusiveMin) : nil
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        try required(key, .boolean(key, default: fallback), fallback, \.boolValue)
    }

    func object(_ key: String) throws -> Params? {
        guard let value = value(key) else { return nil }
        return try Params(value, path: field(key))
    }

    func array(_ key: String) throws -> [ConfigValue]? {
        guard let value = value(key) else { return nil }
        guard let items = value.arrayValue else {
            throw GradwellError.invalid(field(key), expected: "an array", got: value.typeDescription)
        }
        return items
    }

    /// A seed: an integer in 0...2^32-1 (the range NumPy's legacy seeding accepts).
    func seed(_ key: String = "seed", default fallback: Int = 0) throws -> UInt64 {
        UInt64(try int(key, default: fallback, min: 0, max: Int(UInt32.max)))
    }

    /// The random generator family (`"rng"`).
    func rng() throws -> RandomStream.Family {
        RandomStream.Family(rawValue: try string("rng", default: "gradwell", choices: RandomStream.Family.allCases.map(\.rawValue)))!
    }
}

extension ConfigProblem {
    /// This problem as the -32602 error of the request field its config came from (`params`,
    /// `params.template.model`): the numerics name the field within the config, the host where
    /// the config sits in the request.
    func error(under base: String) -> GradwellError {
        GradwellError.invalid(field.isEmpty ? base : "\(base).\(field)", expected: expected, got: got)
    }
}
