import Foundation
import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// `gradwell run FILE`: the human front door. Runs a file of requests through the same
/// dispatcher as the protocol, shows a progress bar per `train` on a terminal, and prints a
/// summary table (or, with --json, the raw responses).
struct RunCommand {
    let session: Session
    let path: String
    let json: Bool

    private final class State {
        var rows: [[String]] = []
        var failures = 0
        var trainEpochs = 0
        var trainStarted = 0.0
        var lastDraw = 0.0
    }

    func execute() -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            FileHandle.standardError.write(Data("gradwell: cannot open \(path): \(String(cString: strerror(errno)))\n".utf8))
            return 1
        }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            FileHandle.standardError.write(Data("gradwell: \(path) is a directory, not a file of requests\n".utf8))
            return 1
        }
        let stdout = LineWriter(descriptor: 1)
        let state = State()
        let showProgress = !json && isatty(2) == 1
        // Lines that were not requests (not JSON, not JSON-RPC, too long) are answered with id
        // null and no method: they count as failures too.
        let dispatcher = Dispatcher(session: session, emit: { line in
            if json { stdout.write(line) }
            if line.hasPrefix("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\""), let message = try? JSON.parse(Array(line.utf8)).get() {
                state.failures += 1
                FileHandle.standardError.write(Data("gradwell: \(path): a line was refused: \(message["error"]?["message"]?.stringValue ?? "error")\n".utf8))
            }
        }, isCancelled: { _ in stopSignal.load(ordering: .relaxed) != 0 })
        dispatcher.onNotification = { method, params in
            guard showProgress, method == "metric", let epoch = params["epoch"]?.intValue else { return }
            let now = Date().timeIntervalSince1970
            guard now - state.lastDraw > 0.1 || epoch + 1 == state.trainEpochs else { return }
            state.lastDraw = now
            drawProgress(epoch: epoch + 1, of: state.trainEpochs, cost: params["cost"]?.doubleValue,
                         elapsed: now - state.trainStarted)
        }
        dispatcher.onResponse = { method, params, response in
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            record(method: method, params: params, response: response, into: state)
        }
        let lines = LineReader(descriptor: descriptor, maximumLength: session.limits.maxLineBytes)
        while let line = lines.next() {
            if stopSignal.load(ordering: .relaxed) != 0 { break }
            if case .text(let bytes) = line, let message = try? JSON.parse(bytes).get(), message["method"] == .string("train") {
                state.trainEpochs = message["params"]?["epochs"]?.intValue ?? 1
                state.trainStarted = Date().timeIntervalSince1970
            }
            if case .text(let bytes) = line, isResponseLine(bytes) { continue }
            dispatcher.handle(line)
            if session.shutdownRequested { break }
        }
        if !json { printTable(state.rows) }
        return state.failures == 0 ? 0 : 1
    }

    /// Lines of a run log that are responses or notifications are skipped, so a log is a script.
    private func isResponseLine(_ bytes: [UInt8]) -> Bool {
        guard let message = try? JSON.parse(bytes).get(), case .object = message else { return false }
        return message["method"] == nil && (message["result"] != nil || message["error"] != nil)
    }

    private func drawProgress(epoch: Int, of total: Int, cost: Double?, elapsed: Double) {
        let width = 30
        let fraction = total > 0 ? Double(epoch) / Double(total) : 1
        let filled = Int(fraction * Double(width))
        let rate = elapsed > 0 ? Double(epoch) / elapsed : 0
        let left = rate > 0 ? Double(total - epoch) / rate : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = String(format: "\r[%@] epoch %d/%d  cost %.6f  %.0f epochs/s  %.1fs left", bar, epoch, total,
                          cost ?? .nan, rate, left)
        FileHandle.standardError.write(Data(text.utf8))
    }

    private func record(method: String, params: ConfigValue, response: ConfigValue, into state: State) {
        if let error = response["error"] {
            state.failures += 1
            let message = error["message"]?.stringValue ?? "error"
            FileHandle.standardError.write(Data("gradwell: \(method) failed: \(message)\n".utf8))
            state.rows.append([method, params["model"]?.stringValue ?? params["name"]?.stringValue ?? "", "", "", "", "",
                               "error \(error["code"]?.intValue ?? 0)"])
            return
        }
        guard let result = response["result"] else { return }
        func number(_ value: ConfigValue?, _ format: String) -> String {
            guard let value, let d = value.doubleValue else { return value == nil ? "" : "n/a" }
            return String(format: format, d)
        }
        switch method {
        case "train":
            let diverged = result["diverged"]?.boolValue == true ? " (diverged)" : ""
            state.rows.append(["train", params["model"]?.stringValue ?? "", params["data"]?.stringValue ?? "",
                               result["epochs"].map { JSON.encode($0) } ?? "", number(result["cost"], "%.6f"),
                               number(result["accuracy"], "%.4f"),
                               number(result["wall_ms"].flatMap { $0.doubleValue }.map { .number($0 / 1000) }, "%.2fs") + diverged])
        case "evaluate":
            state.rows.append(["evaluate", params["model"]?.stringValue ?? "", params["data"]?.stringValue ?? "", "",
                               number(result["cost"], "%.6f"), number(result["accuracy"], "%.4f"), ""])
        case "gradcheck":
            state.rows.append(["gradcheck", params["model"]?.stringValue ?? "", params["data"]?.stringValue ?? "", "",
                               number(result["difference"], "%.3e"), result["passed"]?.boolValue == true ? "passed" : "FAILED", ""])
        case "search":
            // The best trial's objective under its metric's column, and the values that gave it.
            let metric = result["objective"]?["metric"]?.stringValue ?? "accuracy"
            let best = result["best"]?["objective"]
            let trials = result["trials"]?.arrayValue?.count ?? 0
            let config = result["best"]?["config"].map { "best " + JSON.encode($0) } ?? "no finite trial"
            state.rows.append(["search", "\(result["strategy"]?.stringValue ?? ""), \(trials) trials",
                               result["objective"]?["data"]?.stringValue ?? "", "",
                               metric == "cost" ? number(best, "%.6f") : "", metric == "cost" ? "" : number(best, "%.4f"),
                               config])
        default:
            break
        }
    }

    private func printTable(_ rows: [[String]]) {
        guard !rows.isEmpty else { return }
        let header = ["method", "model", "data", "epochs", "cost", "accuracy", "time / note"]
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            row.enumerated().map { index, cell in cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        print(line(header))
        print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows { print(line(row)) }
    }
}
