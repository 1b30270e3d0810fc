import CKernels
import GradwellBuiltins
import GradwellProtocols

/// Bounds that keep a request from exhausting the machine; each has a command-line flag.
public struct Limits: Sendable {
    /// The longest request line accepted, in bytes (`--max-line-bytes`).
    public var maxLineBytes = 64 << 20
    /// The most elements any one tensor may hold (`--max-elements`): parameters, data, workspaces.
    public var maxElements = 1 << 28
    /// The most epochs one `train` may ask for (`--max-epochs`).
    public var maxEpochs = 1_000_000_000
    /// The most trials one `search` may run, rounds included.
    public var maxTrials = 10_000
    /// Whether `search` may start worker processes (off inside a fuzzer).
    public var allowWorkers = true
    /// Whether `registry/check` may check every component in one request (seconds of work;
    /// off inside a fuzzer, where one component at a time is still allowed).
    public var allowFullCheck = true
    /// `--data-root`: the canonical directory every path in a request must resolve inside, or nil.
    public var dataRoot: String?
    public init() {}
}

/// What one request's handler can do besides returning: stream notifications and learn
/// that it has been cancelled.
struct RequestContext {
    /// The id of the request being served (null for a notification).
    var id: ConfigValue
    var notify: (_ method: String, _ params: ConfigValue) -> Void
    var isCancelled: () -> Bool
}

/// The host's state between requests: the registry, named data sets and models.
final class Session {
    static let version = "0.1.0"
    static let protocolVersion = 1

    let registry: Registry
    let limits: Limits
    var datasets: [String: Dataset] = [:]
    var models: [String: any TrainableModel] = [:]
    /// The command-line flags a copy of this host needs (plugins, bounds), for search workers.
    var workerArguments: [String] = ["--threads", "1"]
    /// Set by `shutdown`: the server stops reading after answering it.
    var shutdownRequested = false

    init(registry: Registry, limits: Limits) {
        self.registry = registry
        self.limits = limits
        self.paths = PathPolicy(root: limits.dataRoot)
    }

    /// A fresh session like this one with other request bounds (`replay` of a log recorded
    /// with its own `--max-*`); its search workers get the same bounds.
    func withBounds(maxLineBytes: Int, maxElements: Int, maxEpochs: Int) -> Session {
        var bounds = limits
        bounds.maxLineBytes = maxLineBytes
        bounds.maxElements = maxElements
        bounds.maxEpochs = maxEpochs
        let copy = Session(registry: registry, limits: bounds)
        var arguments = workerArguments
        for (flag, value) in [("--max-line-bytes", maxLineBytes), ("--max-elements", maxElements), ("--max-epochs", maxEpochs)] {
            if let index = arguments.firstIndex(of: flag), index + 1 < arguments.count {
                arguments[index + 1] = String(value)
            } else {
                arguments += [flag, String(value)]
            }
        }
        copy.workerArguments = arguments
        return copy
    }

    /// Which files requests may name (`--data-root`).
    let paths: PathPolicy

    /// The file a request's `key` names, checked against the data root.
    func path(_ params: Params, _ key: String) throws -> String {
        try paths.resolve(try params.string(key), field: params.field(key))
    }

    func dataset(_ params: Params, _ key: String) throws -> Dataset {
        let name = try params.name(key)
        guard let dataset = datasets[name] else { throw unknownDataset(name, path: params.field(key)) }
        return dataset
    }

    func unknownDataset(_ name: String, path: String) -> GradwellError {
        .notFound(path, kind: "data set", name: name, available: datasets.keys.sorted())
    }

    /// Stores, replaces or (with nil) drops a data set. The buffers a replaced or dropped set
    /// held go back to the system, not only to malloc's free lists, so a long session that
    /// loads one large set after another does not keep the largest footprint it ever had.
    func replaceDataset(_ name: String, with dataset: Dataset?) {
        let replacing = datasets[name] != nil
        datasets[name] = dataset
        if replacing { gw_return_free_memory() }
    }

    func model(_ params: Params, _ key: String = "model") throws -> any TrainableModel {
        let name = try params.name(key)
        guard let model = models[name] else {
            throw GradwellError.notFound(params.field(key), kind: "model", name: name, available: models.keys.sorted())
        }
        return model
    }

    /// Refuses a tensor of `elements` before anything is allocated.
    func checkElements(_ elements: Double, path: String, what: String) throws {
        if !(elements <= Double(limits.maxElements)) {
            throw GradwellError.resourceLimit(path,
                "\(what) would hold \(ParameterSpec.format(elements)) elements, more than the limit of \(limits.maxElements) (raise it with --max-elements)",
                limit: limits.maxElements, requested: elements)
        }
    }
}

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
                .object([
                    "type": .string(entry.name),
                    "summary": .string(entry.summary),
                    "origin": .string(entry.origin),
                    "params": .object(entry.parameters.map { ConfigEntry(key: $0.name, value: schemaValue($0)) }),
                ])
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
