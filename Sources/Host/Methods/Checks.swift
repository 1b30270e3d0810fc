import GradwellBuiltins
import GradwellProtocols

extension Methods {
    /// The most entries a gradient check takes without `max_entries` (each costs two forward passes).
    static let gradientCheckEntryBound = 1_000_000

    /// `gradcheck`: backpropagation against central differences, in float64.
    static func gradcheck(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["model", "data", "epsilon", "threshold", "regularizers", "max_entries"])
        let model = try session.model(params)
        let data = try session.dataset(params, "data")
        try checkCompatible(data, model, path: params.field("data"))
        let maxEntries = try params.optionalInt("max_entries", min: 1)
        if maxEntries == nil && model.parameterCount > gradientCheckEntryBound {
            throw GradwellError.resourceLimit(params.field("max_entries"),
                "the model has \(model.parameterCount) parameters; checking more than \(gradientCheckEntryBound) entries needs max_entries (a deterministic sample)",
                limit: gradientCheckEntryBound, requested: Double(model.parameterCount))
        }
        try session.checkElements(Double(data.count) * model.specification.widestRow(registry: session.registry),
                                  path: params.field("data"), what: "the checked batch's activations")
        let regularizers = try (params.array("regularizers") ?? []).enumerated().map { index, value in
            try session.registry.makeRegularizer(try session.registry.resolve(value, kind: .regularizer, path: "\(params.field("regularizers"))[\(index)]"))
        }
        let options = GradientCheckOptions(epsilon: try params.double("epsilon", default: 1e-7, min: 0, max: 1, exclusiveMin: true),
                                           threshold: try params.double("threshold", default: 1e-7, min: 0, exclusiveMin: true),
                                           maxEntries: maxEntries, regularizers: regularizers)
        let report = try GradientCheck.run(model: model, data: data, options: options, registry: session.registry)
        return withFiniteFlags([
            ConfigEntry(key: "difference", value: .number(report.difference)),
            ConfigEntry(key: "passed", value: .bool(report.passed)),
            ConfigEntry(key: "threshold", value: .number(report.threshold)),
            ConfigEntry(key: "epsilon", value: .number(options.epsilon)),
            ConfigEntry(key: "entries", value: .int(report.checkedEntries)),
            ConfigEntry(key: "total_entries", value: .int(report.totalEntries)),
            ConfigEntry(key: "parameters", value: .array(report.parameters.map { parameter in
                var entries: [ConfigEntry] = [ConfigEntry(key: "name", value: .string(parameter.name)),
                                              ConfigEntry(key: "difference", value: .number(parameter.difference)),
                                              ConfigEntry(key: "entries", value: .int(parameter.entries))]
                if parameter.zero { entries.append(ConfigEntry(key: "zero", value: true)) }
                return .object(entries)
            })),
            ConfigEntry(key: "worst", value: .array(report.worst.map { entry in
                .object(["parameter": .string(entry.parameter), "index": .int(entry.index),
                         "analytic": .number(entry.analytic), "numeric": .number(entry.numeric)])
            })),
        ])
    }
}

extension Methods {
    /// `registry/check`: the conformance checks on every registered component.
    static func registryCheck(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["kind", "type"])
        let kind = params.has("kind") ? try params.string("kind", default: "", choices: ComponentKind.allCases.map(\.rawValue)) : nil
        let type = params.has("type") ? try params.string("type") : nil
        if type == nil && !session.limits.allowFullCheck {
            throw GradwellError.resourceLimit(params.field("type"), "checking every component at once is disabled in this session; name one with type",
                                              limit: 1, requested: 2)
        }
        let reports = Conformance.run(session.registry) { componentKind, name in
            (kind == nil || componentKind.rawValue == kind) && (type == nil || name == type || name.hasPrefix("\(type!)("))
        }
        if reports.isEmpty, let type {
            throw GradwellError.unknownComponent(params.field("type"), kind: kind ?? "component", name: type,
                                                 available: ComponentKind.allCases.flatMap { session.registry.names($0) })
        }
        return conformanceValue(reports)
    }

    static func conformanceValue(_ reports: [Conformance.ComponentReport]) -> ConfigValue {
        .object([
            "passed": .bool(reports.allSatisfy(\.passed)),
            "components": .array(reports.map { report in
                .object([
                    "kind": .string(report.kind.rawValue), "type": .string(report.name), "origin": .string(report.origin),
                    "passed": .bool(report.passed),
                    "checks": .array(report.checks.map { .object(["name": .string($0.name), "passed": .bool($0.passed), "detail": .string($0.detail)]) }),
                ])
            }),
        ])
    }
}
