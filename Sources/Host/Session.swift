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
