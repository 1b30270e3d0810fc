import Foundation
import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// The worker processes of a parallel `search`: copies of this host (same binary, plugins and
/// bounds, one BLAS thread each) that run trials sent as `search/trial` requests. A trial
/// runs the same code in a worker as in-process, so results do not depend on `parallel`.
final class SearchWorker: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer: [UInt8] = []
    private var nextID = 0

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
    }

    /// Sends one request and waits for its answer; nil when the worker died.
    func call(_ method: String, _ params: ConfigValue) -> ConfigValue? {
        nextID += 1
        let line = JSON.encode(.object(["jsonrpc": "2.0", "id": .int(nextID), "method": .string(method), "params": params]))
        do {
            try input.fileHandleForWriting.write(contentsOf: Array((line + "\n").utf8))
        } catch {
            return nil
        }
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let text = Array(buffer[..<newline])
                buffer.removeSubrange(0...newline)
                guard case .success(let message) = JSON.parse(text) else { return nil }
                if message["id"] == .int(nextID) { return message }
                continue
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { return nil }
            buffer.append(contentsOf: data)
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

extension Methods {
    /// `search/trial` (internal, used by `search`'s worker processes): one trial, in this host.
    static func searchTrial(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["template", "config", "seed", "index", "objective"])
        guard let template = params.value("template"), let objective = try params.object("objective") else {
            throw GradwellError.missing(params.field("template"), expected: "the search's template and objective")
        }
        let config = (try params.object("config"))?.entries.map { ($0.key, $0.value) } ?? []
        var trial = Trial(index: try params.int("index", default: 0), seed: try params.seed(), config: config)
        let goal = (data: try objective.string("data"), metric: try objective.string("metric"), maximize: true)
        runTrial(&trial, session: session, template: template, objective: goal, context: context)
        var result: [ConfigEntry] = [ConfigEntry(key: "objective", value: trial.objective.map { .number($0) } ?? .null),
                                     ConfigEntry(key: "diverged", value: .bool(trial.diverged))]
        if let error = trial.error {
            result.append(ConfigEntry(key: "error", value: .object([
                "code": .int(error.code.rawValue), "message": .string(error.message), "data": .object(error.data)])))
        }
        return .object(result)
    }

    /// Runs `trials` on `parallel` worker processes.
    static func runTrialsInWorkers(_ trials: inout [Trial], session: Session, template: ConfigValue,
                                   objective: (data: String, metric: String, maximize: Bool), parallel: Int,
                                   context: RequestContext) throws {
        var workers: [SearchWorker] = []
        defer { workers.forEach { $0.stop() } }
        // Without a `datasets` template, workers receive the host's data sets.
        let shipDatasets = template["datasets"] == nil
        for _ in 0..<min(parallel, trials.count) {
            let worker = try SearchWorker(arguments: session.workerArguments)
            if shipDatasets {
                for dataset in session.datasets.values.sorted(by: { $0.name < $1.name }) {
                    let rows = (0..<dataset.count).map { r in
                        ConfigValue.array(dataset.features[(r * dataset.featureCount)..<((r + 1) * dataset.featureCount)].map { .number($0) })
                    }
                    let targets = (0..<dataset.count).map { r in
                        dataset.targetColumns == 1 ? ConfigValue.number(dataset.targets[r])
                            : .array(dataset.targets[(r * dataset.targetColumns)..<((r + 1) * dataset.targetColumns)].map { .number($0) })
                    }
                    guard worker.call("dataset/inline", .object(["name": .string(dataset.name), "x": .array(rows), "y": .array(targets)]))?["result"] != nil else {
                        throw GradwellError(.internalError, "a search worker could not receive data set '\(dataset.name)'")
                    }
                }
            }
            workers.append(worker)
        }
        let box = TrialQueue(trials)
        let objectiveValue = ConfigValue.object(["data": .string(objective.data), "metric": .string(objective.metric)])
        let group = DispatchGroup()
        let notifier = NSLock()
        for worker in workers {
            group.enter()
            let shared = WorkerRun(worker: worker, context: context)
            Thread {
                defer { group.leave() }
                while let position = box.claim(), !shared.context.isCancelled() {
                    var trial = box[position]
                    let params = ConfigValue.object([
                        "template": template, "index": .int(trial.index), "seed": .int(Int(trial.seed)), "objective": objectiveValue,
                        "config": .object(trial.config.map { ConfigEntry(key: $0.0, value: $0.1) }),
                    ])
                    if let answer = shared.worker.call("search/trial", params), let result = answer["result"] {
                        trial.objective = result["objective"]?.doubleValue
                        trial.diverged = result["diverged"]?.boolValue == true
                        if let error = result["error"], let code = error["code"]?.intValue.flatMap(GradwellError.Code.init(rawValue:)) {
                            trial.error = GradwellError(code, error["message"]?.stringValue ?? "trial failed", data: error["data"]?.objectEntries ?? [])
                        }
                    } else {
                        trial.error = GradwellError(.internalError, "search worker process for trial \(trial.index) died")
                    }
                    box[position] = trial
                    // A trial cut short by the cancellation is not a finished trial: no notification.
                    if shared.context.isCancelled() && trial.objective == nil && !trial.diverged { break }
                    notifier.lock()
                    shared.context.notify("trial", .object([ConfigEntry(key: "request", value: shared.context.id)] + (trialValue(trial).objectEntries ?? [])))
                    notifier.unlock()
                }
            }.start()
        }
        group.wait()
        trials = box.items
    }
}

/// One worker thread's view: its process and the request's context.
private final class WorkerRun: @unchecked Sendable {
    let worker: SearchWorker
    let context: RequestContext
    init(worker: SearchWorker, context: RequestContext) {
        self.worker = worker
        self.context = context
    }
}

/// Trials handed out to workers in index order; each slot written by one thread.
final class TrialQueue: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [Methods.Trial]
    private var next = 0
    init(_ items: [Methods.Trial]) { self.items = items }
    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < items.count else { return nil }
        next += 1
        return next - 1
    }
    subscript(index: Int) -> Methods.Trial {
        get { lock.lock(); defer { lock.unlock() }; return items[index] }
        set { lock.lock(); items[index] = newValue; lock.unlock() }
    }
}
