import Foundation
import GradwellBuiltins
import GradwellProtocols
import GradwellReport
#if canImport(Glibc)
import Glibc
#endif

/// `gradwell report run.jsonl -o report.html [--svg DIR] [--log-cost]`: turns a run log into one
/// self-contained HTML page of inline SVG plots. Curves and tables come from the log's own
/// numbers; decision boundaries are computed by re-running the log's requests in a fresh
/// session and asking `model/boundary` of each 2-feature model right after its `train`.
struct ReportCommand {
    let session: Session
    let path: String
    let output: String
    let svgDirectory: String?
    let logCost: Bool

    private func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("gradwell report: \(message)\n".utf8))
        return 2
    }

    func execute() -> Int32 {
        Files.protect(path: path)
        let bytes: [UInt8]
        do { bytes = try Files.read(path) } catch let error as GradwellError { return fail(error.message) } catch { return 2 }
        var messages: [ConfigValue] = []
        for (index, line) in bytes.split(separator: 10).enumerated() {
            guard case .success(let message) = JSON.parse(Array(line)) else { return fail("\(path):\(index + 1): not valid JSON") }
            messages.append(message)
        }
        guard messages.first?["method"]?.stringValue == RunLog.headerMethod else { return fail("\(path): not a gradwell run log") }
        let version = messages.first?["params"]?["protocol"]?.intValue
        guard version == Session.protocolVersion else {
            return fail("\(path): recorded with protocol \(version.map(String.init) ?? "unknown"); this host speaks protocol \(Session.protocolVersion)")
        }

        var requests: [String: ConfigValue] = [:]     // encoded id -> request
        var responses: [String: ConfigValue] = [:]
        var metrics: [String: [ConfigValue]] = [:]    // encoded request id -> metric params
        var order: [String] = []
        for message in messages.dropFirst() {
            let method = message["method"]?.stringValue
            if method == "metric", let params = message["params"], let request = params["request"] {
                metrics[JSON.encode(request), default: []].append(params)
            } else if method != nil, let id = message["id"], message["result"] == nil {
                let key = JSON.encode(id)
                requests[key] = message
                order.append(key)
            } else if method == nil, let id = message["id"] {
                responses[JSON.encode(id)] = message
            }
        }

        // Re-run the requests for the decision boundaries (best effort: a log naming files that
        // are gone still gives its curves).
        // Requests the log shows cancelled stop where they stopped; SIGINT/SIGTERM end the report.
        let cancellations = RecordedCancellations(recorded: messages)
        let dispatcher = Dispatcher(session: session, emit: { _ in }, isCancelled: { cancellations.isCancelled($0) })
        var boundaries: [String: DecisionBoundary] = [:]
        var testSets: [String: String] = [:]          // model -> a set it was evaluated on besides its training set
        var trainSets: [String: String] = [:]
        for key in order {
            // Nothing is written while a report is made: no saves, no checkpoints.
            guard var request = requests[key], let method = request["method"]?.stringValue,
                  method != "shutdown", method != "model/save" else { continue }
            if method == "train", let params = request["params"] {
                request = request.setting("params", to: .object((params.objectEntries ?? []).filter {
                    $0.key != "checkpoint_path" && $0.key != "checkpoint_every"
                }))
            }
            cancellations.starting(request)
            _ = dispatcher.handleMessage(request)
            if let signal = cancellations.signal {
                FileHandle.standardError.write(Data("gradwell report: stopped by signal \(signal)\n".utf8))
                return 128 + signal
            }
            let params = request["params"] ?? .object([])
            if method == "train", responses[key]?["result"] != nil, let model = params["model"]?.stringValue {
                trainSets[model] = params["data"]?.stringValue
                if let trained = session.models[model], trained.inputUnits == 2, let name = params["data"]?.stringValue,
                   let data = session.datasets[name], data.featureCount == 2, data.count > 0 {
                    let plane = DecisionBoundary.Plane(around: data)
                    if plane.problem == nil { boundaries[key] = DecisionBoundary(model: trained, plane: plane, resolution: 80) }
                }
            }
            if method == "evaluate", let model = params["model"]?.stringValue, let data = params["data"]?.stringValue,
               data != trainSets[model] {
                testSets[model] = data
            }
        }

        var trainings: [ReportTraining] = []
        var searches: [ReportSearch] = []
        for key in order {
            guard let request = requests[key], let method = request["method"]?.stringValue else { continue }
            let params = request["params"] ?? .object([])
            if method == "train" {
                let reported = metrics[key] ?? []
                let layerCount = reported.compactMap { $0["layers"]?.arrayValue?.count }.max() ?? 0
                let model = params["model"]?.stringValue ?? "?"
                var training = ReportTraining()
                training.request = key
                training.model = model
                training.data = params["data"]?.stringValue ?? "?"
                training.epochs = reported.map { $0["epoch"]?.intValue ?? 0 }
                training.cost = reported.map { $0["cost"]?.doubleValue ?? .nan }
                training.validationCost = reported.map { $0["val_cost"]?.doubleValue }
                training.learningRate = reported.map { $0["lr"]?.doubleValue ?? .nan }
                training.layerGradientNorms = (0..<layerCount).map { layer in
                    reported.map { metric -> Double in
                        let items = metric["layers"]?.arrayValue ?? []
                        return layer < items.count ? items[layer]["grad_norm"]?.doubleValue ?? .nan : .nan
                    }
                }
                training.accuracy = responses[key]?["result"]?["accuracy"]?.doubleValue
                if let boundary = boundaries[key] {
                    training.boundary = reportBoundary(boundary, train: training.data, test: testSets[model])
                }
                trainings.append(training)
            } else if method == "search", let result = responses[key]?["result"] {
                let space = params["space"]?.objectEntries ?? []
                let trials = (result["trials"]?.arrayValue ?? []).map { trial in
                    (index: trial["index"]?.intValue ?? 0,
                     config: (trial["config"]?.objectEntries ?? []).compactMap { entry in entry.value.doubleValue.map { (entry.key, $0) } },
                     objective: trial["objective"]?.doubleValue)
                }.sorted { $0.index < $1.index }
                var search = ReportSearch()
                search.request = key
                search.strategy = result["strategy"]?.stringValue ?? "random"
                search.metric = result["objective"]?["metric"]?.stringValue ?? "objective"
                search.trials = trials
                search.logScaled = Set(space.filter { $0.value["type"]?.stringValue?.hasPrefix("log") == true }.map(\.key))
                search.best = result["best"]?["index"]?.intValue
                searches.append(search)
            }
        }

        let title = "Gradwell report: " + (path.split(separator: "/").last.map(String.init) ?? path)
        let html = Report.html(title: title, trainings: trainings, searches: searches, logCost: logCost)
        do {
            try Files.writeAtomically(html, to: output)
            if let svgDirectory {
                mkdir(svgDirectory, 0o755)
                for file in Report.svgFiles(trainings: trainings, searches: searches, logCost: logCost) {
                    try Files.writeAtomically(file.svg, to: "\(svgDirectory)/\(file.name)")
                }
            }
        } catch let error as GradwellError {
            return fail(error.message)
        } catch {
            return 2
        }
        FileHandle.standardError.write(Data("gradwell report: \(trainings.count) trainings, \(searches.count) searches -> \(output)\n".utf8))
        return 0
    }

    private func reportBoundary(_ boundary: DecisionBoundary, train: String, test: String?) -> ReportBoundary {
        func points(_ name: String?) -> [(x: Double, y: Double, label: Int)] {
            guard let name, let data = session.datasets[name], data.featureCount == 2 else { return [] }
            let raw = data.originalFeatures ?? data.features
            return (0..<data.count).map { (raw[2 * $0], raw[2 * $0 + 1], Int(data.targets[$0 * data.targetColumns])) }
        }
        var report = ReportBoundary()
        report.xs = boundary.xs
        report.ys = boundary.ys
        report.values = boundary.values
        report.classes = boundary.classes
        report.trainPoints = points(train)
        report.testPoints = points(test)
        return report
    }
}
