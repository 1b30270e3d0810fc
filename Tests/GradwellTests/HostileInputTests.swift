import Foundation
import Testing

/// Inputs an adversarial probe found to crash, hang or fool the host, each fed to the real
/// binary: every one is answered with a structured error (or an honest result) and the host
/// keeps serving.
@Suite struct HostileInputTests {
    /// A saved model with a dropout layer (generator state), a batch-norm layer (running
    /// statistics) and Adam's state, as a JSON object to corrupt.
    func savedModel(in directory: URL) throws -> [String: Any] {
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 40, "seed": 1])
        host.result("model/create", ["name": "m", "input": 2, "seed": 3,
                                     "layers": [["type": "dense", "units": 4, "use_bias": false], ["type": "batchnorm"],
                                                ["type": "activation", "activation": "relu"], ["type": "dropout", "keep_prob": 0.8],
                                                dense(1, "sigmoid")]])
        host.result("train", ["model": "m", "data": "d", "epochs": 2, "batch_size": 10, "optimizer": "adam"])
        let path = directory.appendingPathComponent("good.json").path
        host.result("model/save", ["model": "m", "path": path])
        #expect(host.finish() == 0)
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test func corruptModelFilesAreRefusedAndNothingCrashesLater() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try savedModel(in: directory)
        func parameter(_ file: inout [String: Any], _ index: Int, _ change: (inout [String: Any]) -> Void) {
            var parameters = file["parameters"] as! [[String: Any]]
            change(&parameters[index])
            file["parameters"] = parameters
        }
        func optimizer(_ file: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
            var optimizer = file["optimizer"] as! [String: Any]
            change(&optimizer)
            file["optimizer"] = optimizer
        }
        func layerState(_ file: inout [String: Any], _ change: (inout [[String: Any]]) -> Void) {
            var states = file["layer_state"] as! [[String: Any]]
            change(&states)
            file["layer_state"] = states
        }
        let corruptions: [(String, (inout [String: Any]) -> Void)] = [
            ("a shape whose product overflows", { parameter(&$0, 0) { $0["shape"] = [Int.max, 2] } }),
            ("epochs_trained near Int.max", { $0["epochs_trained"] = Int.max }),
            ("an optimizer step near Int.max", { f in optimizer(&f) { $0["step"] = Int.max } }),
            ("Adam's state without v", { f in optimizer(&f) { o in
                var state = o["state"] as! [[Any]]
                state[0] = [state[0][0]]
                o["state"] = state
            } }),
            ("a float32 value beyond float32", { parameter(&$0, 0) { p in
                var values = p["values"] as! [Double]
                values[0] = 1e300
                p["values"] = values
            } }),
            ("a misnamed parameter", { parameter(&$0, 0) { $0["name"] = "layers[9].W" } }),
            ("no normalization member", { $0.removeValue(forKey: "normalization") }),
            ("layer state for fewer layers", { f in layerState(&f) { $0.removeLast() } }),
            ("batch norm state emptied", { f in layerState(&f) { $0[1] = [:] } }),
            ("dropout state not hexadecimal", { f in layerState(&f) { $0[3] = ["random": ["zz", "0", "0", "0"]] } }),
            ("dropout state of 17 hex digits", { f in layerState(&f) { $0[3] = ["random": ["1ffffffffffffffff", "1", "2", "3"]] } }),
            ("dropout state all zero", { f in layerState(&f) { $0[3] = ["random": ["0", "0", "0", "0"]] } }),
        ]
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 40, "seed": 1])
        for (what, corrupt) in corruptions {
            var file = good
            corrupt(&file)
            let path = directory.appendingPathComponent("bad.json").path
            try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: path))
            let response = host.call("model/load", ["name": "x", "path": path])
            #expect(codeOf(response) == -32004, "\(what): \(response)")
            #expect(dataOf(response)["path"] as? String == path, "\(what)")
        }
        // The good file loads and trains on.
        let path = directory.appendingPathComponent("good.json").path
        try JSONSerialization.data(withJSONObject: good).write(to: URL(fileURLWithPath: path))
        host.result("model/load", ["name": "x", "path": path])
        #expect(host.result("train", ["model": "x", "data": "d", "epochs": 1, "optimizer": "adam"])["epochs"] as? Int == 1)
        #expect(host.stillServes())
    }

    @Test func hostileDataFilesAreRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let host = try HostProcess()
        // An IDX header whose dimensions multiply past Int.max.
        let idx = directory.appendingPathComponent("huge-idx3-ubyte").path
        try Data([0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]).write(to: URL(fileURLWithPath: idx))
        var response = host.call("dataset/load", ["name": "x", "path": idx, "label": 0])
        #expect(codeOf(response) == -32002, "\(response)")
        // A FIFO nobody writes to: refused at once, not waited on.
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        response = host.call("model/load", ["name": "x", "path": fifo])
        #expect(codeOf(response) == -32004 && (errorOf(response)["message"] as? String ?? "").contains("not a regular file"), "\(response)")
        // CSV cells that are not decimal numbers: hexadecimal, a NUL inside, an endless cell.
        for (cell, column) in [("0x1p3", 1), ("2\u{0}9", 2), (String(repeating: "9", count: 100_000), 1)] {
            let csv = directory.appendingPathComponent("cells.csv").path
            let row = column == 1 ? "\(cell),1" : "1,\(cell)"
            try "a,b\n\(row)\n".write(toFile: csv, atomically: true, encoding: .utf8)
            response = host.call("dataset/load", ["name": "x", "path": csv, "label": "b"])
            #expect(codeOf(response) == -32004, "\(response)")
            #expect(dataOf(response)["line"] as? Int == 2 && dataOf(response)["column"] as? Int == column, "\(response)")
            #expect((errorOf(response)["message"] as? String ?? "").count < 300)
        }
        // `scale` is a boolean whatever the format.
        response = host.call("dataset/load", ["name": "x", "path": repositoryRoot.appendingPathComponent("examples/data/digits.csv").path,
                                              "label": "label", "scale": "yes"])
        #expect(codeOf(response) == -32602 && dataOf(response)["path"] as? String == "params.scale", "\(response)")
        #expect(host.stillServes())
    }

    @Test func extremeNumbersGiveErrorsOrFiniteResults() throws {
        let host = try HostProcess()
        // Generator parameters whose points overflow.
        var response = host.call("dataset/generate", ["name": "b", "generator": "blobs", "n": 10, "center_low": -1e308, "center_high": 1e308])
        #expect(codeOf(response) == -32602, "\(response)")
        // Normalizing values near the largest double: finite statistics and values.
        host.result("dataset/inline", ["name": "h", "x": [[1.7976931348623157e308], [1.7976931348623157e308], [-1e308]], "y": [0, 1, 0]])
        let stats = host.result("dataset/normalize", ["name": "h"])
        let mean = try #require(stats["mean"] as? [Double]), std = try #require(stats["std"] as? [Double])
        #expect(mean[0].isFinite && std[0].isFinite && std[0] > 0, "\(stats)")
        // A decision-boundary plane of infinite width.
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(2), dense(1, "sigmoid")]])
        response = host.call("model/boundary", ["model": "m", "x_min": -1e308, "x_max": 1e308])
        #expect(codeOf(response) == -32602 && dataOf(response)["path"] as? String == "params.x_max", "\(response)")
        // Search spaces beyond exact integers, of infinite width, or with an empty path.
        let template: [String: Any] = ["datasets": ["d": ["generator": "moons", "n": 20]],
                                       "model": ["input": 2, "layers": [dense(2), dense(1, "sigmoid")]],
                                       "train": ["data": "d", "optimizer": "adam"]]
        for (space, field) in [(["model.layers.0.units": ["type": "int", "low": 1, "high": Int.max]], "params.space.model.layers.0.units.high"),
                               (["model.layers.0.units": ["type": "int", "low": Int.min, "high": 3]], "params.space.model.layers.0.units.low"),
                               (["train.optimizer.lr": ["type": "uniform", "low": -1e308, "high": 1e308]], "params.space.train.optimizer.lr.high"),
                               (["": ["type": "uniform", "low": 0, "high": 1]], "params.space."),
                               (["train..lr": ["type": "uniform", "low": 0, "high": 1]], "params.space.train..lr")] as [([String: Any], String)] {
            response = host.call("search", ["template": template, "space": space, "trials": 1])
            #expect(codeOf(response) == -32602 && dataOf(response)["path"] as? String == field, "\(response)")
        }
        #expect(host.stillServes())
    }

    /// A gradient check whose gradients overflow does not pass (NaN differences counted as 0
    /// did), and an epsilon beyond 1 is refused.
    @Test func gradcheckDoesNotPassOnNonFiniteGradients() throws {
        let host = try HostProcess()
        host.result("dataset/inline", ["name": "d", "x": [[1e300], [1]], "y": [[0], [1]]])
        host.result("model/create", ["name": "m", "input": 1, "layers": [dense(1, "linear")], "loss": "mse", "dtype": "float64"])
        let check = host.result("gradcheck", ["model": "m", "data": "d"])
        #expect(check["passed"] as? Bool == false, "\(check)")
        #expect(check["difference"] is NSNull, "\(check)")
        let response = host.call("gradcheck", ["model": "m", "data": "d", "epsilon": 1e308])
        #expect(codeOf(response) == -32602 && dataOf(response)["path"] as? String == "params.epsilon", "\(response)")
    }

    /// A byte sequence that is not UTF-8 at the very start: the parse error's column is 1-based.
    @Test func parseErrorsCountColumnsFromOne() throws {
        let host = try HostProcess()
        host.sendRaw([0xFF, 0xFE, 10])
        let response = try #require(host.readMessage(timeout: 30))
        #expect(codeOf(response) == -32700)
        #expect((dataOf(response)["column"] as? Int ?? 0) >= 1 && dataOf(response)["line"] as? Int == 1, "\(response)")
        #expect(host.stillServes())
    }

    /// A cancelled search answers -32005 and announces only the trials it finished.
    @Test func aCancelledSearchAnnouncesOnlyFinishedTrials() throws {
        let host = try HostProcess()
        host.send(["jsonrpc": "2.0", "id": "s", "method": "search", "params": [
            "template": ["datasets": ["d": ["generator": "moons", "n": 50]],
                         "model": ["input": 2, "layers": [dense(4), dense(1, "sigmoid")]], "train": ["data": "d", "epochs": 100_000_000, "optimizer": "adam"]],
            "space": ["train.optimizer.lr": ["type": "log_uniform", "low": 0.001, "high": 0.1]], "trials": 3,
        ] as [String: Any]])
        usleep(500_000)
        host.send(["jsonrpc": "2.0", "method": "$/cancel", "params": ["id": "s"]])
        var trials: [[String: Any]] = []
        var answer: [String: Any]?
        while let message = host.readMessage(timeout: 60) {
            if message["method"] as? String == "trial" { trials.append(message["params"] as? [String: Any] ?? [:]); continue }
            answer = message
            break
        }
        #expect(codeOf(answer ?? [:]) == -32005, "\(answer ?? [:])")
        for trial in trials {
            #expect(!(trial["objective"] is NSNull) || trial["diverged"] as? Bool == true, "unfinished trial announced: \(trial)")
        }
        #expect(host.stillServes())
    }

    @Test func absurdThreadCountsExitWithUsage() throws {
        let (status, text) = try runBinary(["--threads", "100000"])
        #expect(status == 2)
        #expect(text.contains("--threads takes 1 to 1024") && text.contains("usage:"), "\(text)")
    }

    /// A run log records the request bounds it was served with, and a replay judges by them:
    /// a model refused under --max-elements 50 is refused again, so --verify agrees.
    @Test func replayUsesTheRecordedLimits() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("small.jsonl").path
        let host = try HostProcess(arguments: ["--record", log, "--max-elements", "50"])
        #expect(codeOf(host.call("model/create", ["name": "m", "input": 10, "layers": [dense(10)], "loss": "mse"])) == -32002)
        host.result("model/create", ["name": "s", "input": 2, "layers": [dense(3)], "loss": "mse"])
        #expect(host.finish() == 0)
        let header = try String(contentsOfFile: log, encoding: .utf8).components(separatedBy: "\n")[0]
        #expect(header.contains("\"max_elements\":50"), "\(header)")
        let (status, text) = try runBinary(["replay", log, "--verify"])
        #expect(status == 0, "\(text)")
    }

    /// A log whose train was cancelled replays to the same cut (the recorded steps), where it
    /// would otherwise run its 10^8 epochs, and verifies; a replay that would run long stops on
    /// SIGTERM (128 + 15) instead of ignoring it.
    @Test func replaysOfCancelledAndLongRunsEnd() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("cancelled.jsonl").path
        let host = try HostProcess(arguments: ["--record", log])
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 64, "seed": 1])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(4), dense(1, "sigmoid")], "seed": 2])
        host.send(["jsonrpc": "2.0", "id": "t", "method": "train",
                   "params": ["model": "m", "data": "d", "epochs": 100_000_000, "batch_size": 16, "report_every": 1000] as [String: Any]])
        usleep(300_000)
        host.send(["jsonrpc": "2.0", "method": "$/cancel", "params": ["id": "t"]])
        var answer: [String: Any] = [:]
        while let message = host.readMessage(timeout: 60) {
            if message["id"] != nil { answer = message; break }
        }
        #expect(codeOf(answer) == -32005, "\(answer)")
        host.result("evaluate", ["model": "m", "data": "d"])
        #expect(host.finish() == 0)
        let start = Date()
        var (status, text) = try runBinary(["replay", log, "--verify"])
        #expect(status == 0, "\(text)")
        #expect(Date().timeIntervalSince(start) < 30)

        // The same log without the train's answer: the replay would train 10^8 epochs.
        let lines = try String(contentsOfFile: log, encoding: .utf8).components(separatedBy: "\n")
        let open = directory.appendingPathComponent("open.jsonl").path
        try lines.prefix { !$0.contains("\"id\":\"t\",\"error\"") }.joined(separator: "\n")
            .write(toFile: open, atomically: true, encoding: .utf8)
        (status, text) = try runBinary(["replay", open], stopAfter: 1)
        #expect(status == 128 + 15, "\(text)")
    }

    @Test func savesNeverReplaceDevicesFifosOrTheRunLog() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let log = directory.appendingPathComponent("run.jsonl").path
        let host = try HostProcess(arguments: ["--record", log])
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 20])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(1, "sigmoid")]])
        for path in [fifo, "/dev/null", directory.path, log] {
            let response = host.call("model/save", ["model": "m", "path": path])
            #expect(codeOf(response) == -32004 && dataOf(response)["path"] as? String == path, "\(path): \(response)")
        }
        let train = host.call("train", ["model": "m", "data": "d", "epochs": 2, "checkpoint_path": fifo])
        #expect(codeOf(train) == -32004, "\(train)")
        #expect(host.finish() == 0)
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
        #expect(stat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
        let (status, text) = try runBinary(["replay", log, "--verify"])
        #expect(status == 0, "the run log survived: \(text)")
    }

    /// Bounds that float32 would lose are refused for float32 models (β rounding to 1 stops
    /// Adam's second moment; ε rounding to 0 lets batch norm divide 0 by 0); float64 takes them.
    @Test func float32RefusesHyperparametersItCannotHold() throws {
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 20])
        for dtype in ["float32", "float64"] {
            host.result("model/create", ["name": dtype, "input": 2, "layers": [dense(2), dense(1, "sigmoid")], "dtype": dtype])
            let response = host.call("train", ["model": dtype, "data": "d", "epochs": 1,
                                               "optimizer": ["type": "adam", "beta2": 0.99999999]])
            if dtype == "float32" {
                #expect(codeOf(response) == -32602 && dataOf(response)["path"] as? String == "params.optimizer.beta2", "\(response)")
            } else {
                #expect(response["result"] != nil, "\(response)")
            }
        }
        let response = host.call("model/create", ["name": "bn", "input": 2, "dtype": "float32",
                                                  "layers": [["type": "batchnorm", "epsilon": 1e-50], dense(1, "sigmoid")]])
        #expect(codeOf(response) == -32602 && dataOf(response)["path"] as? String == "params.layers[0].epsilon", "\(response)")
        // A float32 model whose weights overflowed is checked, not refused: the check fails.
        host.result("model/create", ["name": "big", "input": 2, "layers": [["type": "dense", "units": 1, "activation": "sigmoid",
                                                                              "init": ["type": "random", "scale": 1e200]]]])
        let check = host.result("gradcheck", ["model": "big", "data": "d"])
        #expect(check["passed"] as? Bool == false, "\(check)")
    }

    @Test func commandsRefuseWhatIsNotTheirInput() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = directory.appendingPathComponent("garbage.jsonl").path
        try "this is not json\n{\"jsonrpc\":\"2.0\"\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        var (status, text) = try runBinary(["run", garbage])
        #expect(status == 1 && text.contains("refused"), "\(text)")
        (status, text) = try runBinary(["run", directory.path])
        #expect(status == 1 && text.contains("directory"), "\(text)")
        let empty = directory.appendingPathComponent("empty.jsonl").path
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        (status, text) = try runBinary(["replay", empty, "--verify"])
        #expect(status == 2, "\(text)")
        // A report of a log whose epoch numbers are near Int.max.
        let log = directory.appendingPathComponent("huge.jsonl").path
        let recorder = try HostProcess(arguments: ["--record", log])
        #expect(recorder.finish() == 0)
        let header = try String(contentsOfFile: log, encoding: .utf8).components(separatedBy: "\n")[0]
        try [header,
             #"{"jsonrpc":"2.0","id":3,"method":"train","params":{"model":"m","data":"tr","epochs":3}}"#,
             #"{"jsonrpc":"2.0","method":"metric","params":{"request":3,"epoch":9223372036854775807,"step":1,"cost":0.5,"lr":0.01}}"#,
             #"{"jsonrpc":"2.0","id":3,"result":{"epochs":1,"steps":1,"cost":0.5,"accuracy":0.5,"diverged":false,"wall_ms":0.1}}"#]
            .joined(separator: "\n").write(toFile: log, atomically: true, encoding: .utf8)
        (status, text) = try runBinary(["report", log, "-o", directory.appendingPathComponent("r.html").path])
        #expect(status == 0, "\(text)")
    }
}
