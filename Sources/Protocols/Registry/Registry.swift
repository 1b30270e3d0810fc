/// Every component Gradwell can build, by kind and snake_case name, with where it came from.
///
/// Built from plain lists in one place (`Registry.builtins` in GradwellBuiltins); a plugin adds
/// to a registry through the same `adding` call, and nothing registers itself by side effect.
public struct Registry: @unchecked Sendable {
    /// What `registry/list` shows of one component.
    public struct Entry {
        public var kind: ComponentKind
        public var name: String
        public var parameters: [ParameterSpec]
        public var summary: String
        /// "builtin", or the plugin that registered it.
        public var origin: String
        /// For a preset (`adamw`), the component it sets up (`adam`).
        public var base: String? = nil
        fileprivate var type: Any.Type
    }

    /// Entries by kind, in registration order.
    public private(set) var entries: [ComponentKind: [Entry]] = [:]

    public init() {}

    /// A registry with these components added under `origin`. A name already registered for the
    /// same kind is refused, naming both origins.
    public func adding(layers: [any LayerDefinition.Type] = [],
                       initializers: [any Initializer.Type] = [],
                       regularizers: [any Regularizer.Type] = [],
                       optimizers: [any Optimizer.Type] = [],
                       schedules: [any Schedule.Type] = [],
                       losses: [any Loss.Type] = [],
                       generators: [any DataGenerator.Type] = [],
                       presets: [Preset] = [],
                       origin: String = "builtin") throws -> Registry {
        var copy = self
        let groups: [(ComponentKind, [any ComponentDescription.Type])] = [
            (.layer, layers), (.initializer, initializers), (.regularizer, regularizers),
            (.optimizer, optimizers), (.schedule, schedules), (.loss, losses), (.generator, generators),
        ]
        for (kind, types) in groups {
            for type in types {
                if let existing = copy.entry(kind, type.name) {
                    throw GradwellError(.invalidParams,
                        "\(kind.rawValue) '\(type.name)' from \(origin) clashes with the one from \(existing.origin)",
                        data: [ConfigEntry(key: "name", value: .string(type.name)),
                               ConfigEntry(key: "origins", value: .array([.string(existing.origin), .string(origin)]))])
                }
                var parameters = type.parameters
                if let optimizer = type as? any Optimizer.Type {
                    guard !parameters.contains(where: { $0.name == "lr" }) else {
                        throw GradwellError(.invalidParams, "optimizer '\(type.name)' from \(origin) declares 'lr', which the registry "
                            + "gives every optimizer: declare `static let defaultLearningRate` instead",
                            data: [ConfigEntry(key: "name", value: .string(type.name))])
                    }
                    parameters.insert(.learningRate(default: optimizer.defaultLearningRate), at: 0)
                }
                // One check of the schema requests see (an optimizer's with its `lr`, whose default must be > 0).
                try Self.checkSchema(kind, type.name, parameters, origin: origin)
                copy.entries[kind, default: []].append(
                    Entry(kind: kind, name: type.name, parameters: parameters, summary: type.summary,
                          origin: origin, type: type))
            }
        }
        for preset in presets { try copy.add(preset, origin: origin) }
        return copy
    }

    /// Registers `preset` right after the component it sets up, with that component's schema
    /// and the preset's defaults.
    private mutating func add(_ preset: Preset, origin: String) throws {
        let kind = preset.kind
        func refuse(_ problem: String) -> GradwellError {
            GradwellError(.invalidParams, "\(kind.rawValue) '\(preset.name)' from \(origin): \(problem)",
                          data: [ConfigEntry(key: "name", value: .string(preset.name))])
        }
        if let existing = entry(kind, preset.name) {
            throw refuse("clashes with the one from \(existing.origin)")
        }
        guard let position = entries[kind]?.firstIndex(where: { $0.name == preset.base }) else {
            throw refuse("presets '\(preset.base)', which is not registered")
        }
        var base = entries[kind]![position]
        for setting in preset.defaults {
            guard let index = base.parameters.firstIndex(where: { $0.name == setting.key }) else {
                throw refuse("sets '\(setting.key)', which '\(preset.base)' does not have")
            }
            _ = try check(setting.value, against: base.parameters[index], path: "\(preset.name).\(setting.key)")
            base.parameters[index].defaultValue = setting.value
        }
        base.name = preset.name
        base.summary = preset.summary
        base.origin = origin
        base.base = preset.base
        entries[kind]!.insert(base, at: position + 1 + entries[kind]![(position + 1)...].prefix { $0.base == preset.base }.count)
    }

    /// A component's schema must be usable from a request: named parameters, once each, none
    /// called `type` (the member that names the component), and defaults within their bounds
    /// (else every request leaving one out would be refused for a value it never sent).
    static func checkSchema(_ kind: ComponentKind, _ name: String, _ parameters: [ParameterSpec], origin: String) throws {
        func refuse(_ problem: String) -> GradwellError {
            GradwellError(.invalidParams, "\(kind.rawValue) '\(name)' from \(origin): \(problem)",
                          data: [ConfigEntry(key: "name", value: .string(name))])
        }
        guard !name.isEmpty else { throw refuse("an empty name") }
        var seen = Set<String>()
        for spec in parameters {
            guard !spec.name.isEmpty, spec.name != "type" else { throw refuse("a parameter may not be named '\(spec.name)'") }
            guard seen.insert(spec.name).inserted else { throw refuse("parameter '\(spec.name)' is declared twice") }
            guard let number = spec.defaultValue?.doubleValue, spec.kind == .number || spec.kind == .integer else { continue }
            let low = spec.minimum.map { spec.exclusiveMinimum ? number > $0 : number >= $0 } ?? true
            let high = spec.maximum.map { spec.exclusiveMaximum ? number < $0 : number <= $0 } ?? true
            guard number.isFinite, low, high else { throw refuse("parameter '\(spec.name)' defaults to \(number), outside its own bounds") }
        }
    }

    /// The entry for `name` of `kind`, if registered.
    public func entry(_ kind: ComponentKind, _ name: String) -> Entry? {
        entries[kind]?.first { $0.name == name }
    }

    /// Registered names of `kind`, in registration order.
    public func names(_ kind: ComponentKind) -> [String] {
        entries[kind]?.map(\.name) ?? []
    }

    // MARK: - Resolving configs

    /// Validates `value` (a name, or `{"type": name, ...params}`) against the schema of a `kind`
    /// component and fills in every default. `path` names the value in error messages.
    public func resolve(_ value: ConfigValue, kind: ComponentKind, path: String) throws -> ResolvedConfig {
        let typeName: String
        var given: [ConfigEntry] = []
        switch value {
        case .string(let name):
            typeName = name
        case .object(let members):
            guard let typeValue = value["type"] else {
                throw GradwellError.missing("\(path).type", expected: "the name of a \(kind.rawValue)")
            }
            guard let name = typeValue.stringValue else {
                throw GradwellError.invalid("\(path).type", expected: "a string naming a \(kind.rawValue)", got: typeValue.typeDescription)
            }
            typeName = name
            given = members.filter { $0.key != "type" }
        default:
            throw GradwellError.invalid(path, expected: "a \(kind.rawValue) name or an object with \"type\"", got: value.typeDescription)
        }
        guard let entry = entry(kind, typeName) else {
            throw GradwellError.unknownComponent(path, kind: kind.rawValue, name: typeName, available: names(kind))
        }
        for member in given where !entry.parameters.contains(where: { $0.name == member.key }) {
            let known = entry.parameters.map(\.name)
            throw GradwellError(.invalidParams,
                "\(path).\(member.key): \(kind.rawValue) '\(typeName)' has no parameter '\(member.key)'"
                    + (known.isEmpty ? " (it takes none)" : "; its parameters: \(known.joined(separator: ", "))"),
                data: [ConfigEntry(key: "path", value: .string("\(path).\(member.key)")),
                       ConfigEntry(key: "expected", value: .string("one of: \(known.joined(separator: ", "))"))])
                .suggesting(for: member.key, in: known)
        }
        var values: [(name: String, value: ResolvedConfig.Value)] = []
        for spec in entry.parameters {
            let fieldPath = "\(path).\(spec.name)"
            let provided = given.first { $0.key == spec.name }?.value
            guard let raw = provided ?? spec.defaultValue else {
                throw GradwellError.missing(fieldPath, expected: spec.expectation)
            }
            values.append((spec.name, try check(raw, against: spec, path: fieldPath)))
        }
        return ResolvedConfig(type: typeName, kind: kind, values: values)
    }

    private func check(_ value: ConfigValue, against spec: ParameterSpec, path: String) throws -> ResolvedConfig.Value {
        if value.isNull {
            if spec.defaultValue == .null { return .plain(.null) }
            throw GradwellError.invalid(path, expected: spec.expectation, got: "null")
        }
        if case .component(let kind) = spec.kind { return .component(try resolve(value, kind: kind, path: path)) }
        return .plain(try spec.validate(value, path: path))
    }

    // MARK: - Building components

    private func type<T>(_ config: ResolvedConfig, _ as: T.Type) -> T {
        guard let entry = entry(config.kind, config.type), let type = entry.type as? T else {
            preconditionFailure("\(config.kind.rawValue) '\(config.type)' was resolved but is not registered as \(T.self)")
        }
        return type
    }

    public func layerDefinition(_ config: ResolvedConfig) -> any LayerDefinition.Type { type(config, (any LayerDefinition.Type).self) }
    public func makeInitializer(_ config: ResolvedConfig) throws -> any Initializer { try type(config, (any Initializer.Type).self).init(config: config, registry: self) }
    public func makeRegularizer(_ config: ResolvedConfig) throws -> any Regularizer { try type(config, (any Regularizer.Type).self).init(config: config, registry: self) }
    /// The registered optimizer type named `name` (for its static members, such as `references`).
    public func optimizerType(_ name: String) -> (any Optimizer.Type)? { entry(.optimizer, name)?.type as? any Optimizer.Type }
    /// The optimizer `config` names, built from its config without `lr` (the rate of each step
    /// is an argument of `update`; `config.double("lr")` is the base rate a schedule scales).
    public func makeOptimizer(_ config: ResolvedConfig) throws -> any Optimizer {
        try type(config, (any Optimizer.Type).self).init(config: config.removing("lr"), registry: self)
    }
    public func makeSchedule(_ config: ResolvedConfig) throws -> any Schedule { try type(config, (any Schedule.Type).self).init(config: config, registry: self) }
    public func makeLoss(_ config: ResolvedConfig) throws -> any Loss { try type(config, (any Loss.Type).self).init(config: config, registry: self) }
    public func makeGenerator(_ config: ResolvedConfig) throws -> any DataGenerator { try type(config, (any DataGenerator.Type).self).init(config: config, registry: self) }
}
