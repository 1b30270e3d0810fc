import CKernels
import GradwellBuiltins
import GradwellProtocols

/// The methods of the wire protocol, by name. Handlers turn params into typed requests, call
/// the engine, and turn its typed results into values; only this module knows the wire format.
enum Methods {
    typealias Handler = @Sendable (Session, Params, RequestContext) throws -> ConfigValue

    static let table: [String: Handler] = [
        "initialize": initialize,
        "registry/list": registryList,
        "dataset/generate": datasetGenerate,
        "dataset/inline": datasetInline,
        "model/create": modelCreate,
        "train": train,
        "evaluate": evaluate,
        "predict": predict,
        "model/save": modelSave,
        "model/load": modelLoad,
        "shutdown": shutdown,
        "gradcheck": gradcheck,
        "dataset/split": datasetSplit,
        "dataset/normalize": datasetNormalize,
        "dataset/load": datasetLoad,
        "dataset/drop": datasetDrop,
        "search": search,
        "registry/check": registryCheck,
        "model/boundary": modelBoundary,
        "search/trial": searchTrial,
    ]

    /// Handled by the server itself, not by a handler.
    static let special = ["$/cancel"]

    static var all: [String] { (Array(table.keys) + special).sorted() }

    static func initialize(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        .object([
            "name": "gradwell",
            "version": .string(Session.version),
            "protocol": .int(Session.protocolVersion),
            "dtypes": .array(DType.allCases.map { .string($0.rawValue) }),
            "rngs": .array(RandomStream.Family.allCases.map { .string($0.rawValue) }),
            "methods": .array(all.map { .string($0) }),
            "limits": .object(["max_line_bytes": .int(session.limits.maxLineBytes),
                               "max_elements": .int(session.limits.maxElements),
                               "max_epochs": .int(session.limits.maxEpochs)]),
            "data_root": session.limits.dataRoot.map { .string($0) } ?? .null,
            "blas_threads": .int(BLASThreads.current),
            "denormals": .string(Denormals.current.rawValue),
            "machine": Machine.current.value,
        ])
    }

    static func registryList(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly([])
        var entries: [ConfigEntry] = []
        for kind in ComponentKind.allCases {
            let components = (session.registry.entries[kind] ?? []).map { entry -> ConfigValue in
                var members: [ConfigEntry] = [
                    ConfigEntry(key: "type", value: .string(entry.name)),
                    ConfigEntry(key: "summary", value: .string(entry.summary)),
                    ConfigEntry(key: "origin", value: .string(entry.origin)),
                ]
                if let base = entry.base { members.append(ConfigEntry(key: "preset_of", value: .string(base))) }
                members.append(ConfigEntry(key: "params", value: .object(entry.parameters.map { ConfigEntry(key: $0.name, value: schemaValue($0)) })))
                return .object(members)
            }
            entries.append(ConfigEntry(key: kind.pluralName, value: .array(components)))
        }
        return .object(entries)
    }

    static func schemaValue(_ spec: ParameterSpec) -> ConfigValue {
        var entries: [ConfigEntry] = []
        switch spec.kind {
        case .number: entries.append(ConfigEntry(key: "type", value: "number"))
        case .integer: entries.append(ConfigEntry(key: "type", value: "integer"))
        case .boolean: entries.append(ConfigEntry(key: "type", value: "boolean"))
        case .numberList: entries.append(ConfigEntry(key: "type", value: "array"))
        case .integers(let count, let allowsSame):
            entries.append(ConfigEntry(key: "type", value: count == 1 ? "integer" : "integer_or_array"))
            if count > 1 { entries.append(ConfigEntry(key: "length", value: .int(count))) }
            if allowsSame { entries.append(ConfigEntry(key: "choices", value: .array(["same"]))) }
        case .string(let choices):
            entries.append(ConfigEntry(key: "type", value: "string"))
            if !choices.isEmpty { entries.append(ConfigEntry(key: "choices", value: .array(choices.map { .string($0) }))) }
        case .component(let kind):
            entries.append(ConfigEntry(key: "type", value: "component"))
            entries.append(ConfigEntry(key: "kind", value: .string(kind.rawValue)))
        }
        if let value = spec.defaultValue {
            entries.append(ConfigEntry(key: "default", value: value))
        } else {
            entries.append(ConfigEntry(key: "required", value: true))
        }
        var integral = spec.kind == .integer
        if case .integers = spec.kind { integral = true }
        if let minimum = spec.minimum {
            entries.append(ConfigEntry(key: spec.exclusiveMinimum ? "exclusive_min" : "min",
                                       value: integral ? .int(Int(minimum)) : .number(minimum)))
        }
        if let maximum = spec.maximum {
            entries.append(ConfigEntry(key: spec.exclusiveMaximum ? "exclusive_max" : "max",
                                       value: integral ? .int(Int(maximum)) : .number(maximum)))
        }
        if !spec.summary.isEmpty { entries.append(ConfigEntry(key: "summary", value: .string(spec.summary))) }
        return .object(entries)
    }

    static func shutdown(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly([])
        session.shutdownRequested = true
        return .object(["ok": true])
    }
}
