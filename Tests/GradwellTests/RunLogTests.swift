import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `--record`, `gradwell replay` and `search` through the real binary.
@Suite struct RunLogTests {
    func recordedSession(_ log: String) throws {
        let host = try HostProcess(arguments: ["--record", log])
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 120, "seed": 4])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(6), dense(1, "sigmoid")], "seed": 2])
        host.send("not json")
        _ = host.readMessage()
        host.result("train", ["model": "m", "data": "d", "epochs": 15, "batch_size": 32, "report_every": 5,
                              "optimizer": ["type": "adam", "lr": 0.01]])
        host.result("predict", ["model": "m", "x": [[0.5, 0.1]]])
        _ = host.call("evaluate", ["model": "ghost", "data": "d"])
        #expect(host.finish() == 0)
    }

    @Test func aRecordedRunReplaysBitForBit() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("run.jsonl").path
        try recordedSession(log)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.first?.contains("\"$/record\"") == true)
        #expect(lines.first?.contains("\"protocol\":1") == true)
        #expect(lines.contains { $0.contains("\"method\":\"metric\"") })
        let (status, message) = try runBinary(["replay", log, "--verify"])
        #expect(status == 0, "\(message)")
        #expect(message.contains("identical"))
    }

    /// The log's header records how subnormal numbers were treated, and a replay uses that
    /// mode: a float32 weight of 1e-20 times an input of 1e-20 predicts 1e-40 recorded with
    /// `--denormals keep` (0 when flushed, the default), and the replay of that log agrees; the
    /// same log with its header saying `flush` does not.
    @Test func replayTreatsDenormalsAsRecorded() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("tiny.json").path
        let maker = try HostProcess()
        maker.result("model/create", ["name": "m", "input": 1, "layers": [dense(1)], "loss": "mse", "dtype": "float32", "seed": 1])
        maker.result("model/save", ["model": "m", "path": model])
        #expect(maker.finish() == 0)
        var file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model))) as? [String: Any])
        var parameters = try #require(file["parameters"] as? [[String: Any]])
        parameters[0]["values"] = [1e-20]
        file["parameters"] = parameters
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: model))

        let log = directory.appendingPathComponent("keep.jsonl").path
        let host = try HostProcess(arguments: ["--record", log, "--denormals", "keep"])
        host.result("model/load", ["name": "m", "path": model])
        let y = try #require(host.result("predict", ["model": "m", "x": [[1e-20]]])["y"] as? [[Double]])
        #expect(y[0][0] > 0 && y[0][0] < 1.2e-38)
        #expect(host.finish() == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).components(separatedBy: "\n")
        #expect(lines.first?.contains("\"denormals\":\"keep\"") == true)
        var (status, message) = try runBinary(["replay", log, "--verify"])
        #expect(status == 0, "\(message)")

        let flushed = directory.appendingPathComponent("flush.jsonl").path
        try ([lines[0].replacingOccurrences(of: "\"denormals\":\"keep\"", with: "\"denormals\":\"flush\"")] + lines.dropFirst())
            .joined(separator: "\n").write(toFile: flushed, atomically: true, encoding: .utf8)
        (status, message) = try runBinary(["replay", flushed, "--verify"])
        #expect(status == 1 && message.contains("differs"), "\(message)")
    }

    @Test func replayNamesTheFirstLineThatDiffers() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("run.jsonl").path
        try recordedSession(log)
        var lines = try String(contentsOfFile: log, encoding: .utf8).components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.contains("\"method\":\"metric\"") })
        lines[index] = lines[index].replacingOccurrences(of: "\"epoch\":0", with: "\"epoch\":1")
        try lines.joined(separator: "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let (status, message) = try runBinary(["replay", log, "--verify"])
        #expect(status == 1)
        #expect(message.contains(":\(index + 1): differs"), "\(message)")
    }

    @Test func truncatedOrForeignLogsAreRefusedNamingTheLine() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("run.jsonl").path
        try recordedSession(log)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let truncated = directory.appendingPathComponent("truncated.jsonl").path
        try String(text.dropLast(30)).write(toFile: truncated, atomically: true, encoding: .utf8)
        let lineCount = text.split(separator: "\n").count
        var (status, message) = try runBinary(["replay", truncated, "--verify"])
        #expect(status == 2)
        #expect(message.contains(":\(lineCount):"), "\(message)")
        let foreign = directory.appendingPathComponent("foreign.jsonl").path
        try text.replacingOccurrences(of: "\"protocol\":1", with: "\"protocol\":7").write(toFile: foreign, atomically: true, encoding: .utf8)
        (status, message) = try runBinary(["replay", foreign, "--verify"])
        #expect(status == 2)
        #expect(message.contains("protocol 7"), "\(message)")
    }

    @Test func aLogIsAlsoAScript() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("run.jsonl").path
        try recordedSession(log)
        let host = try HostProcess()
        host.sendRaw(Array(try String(contentsOfFile: log, encoding: .utf8).utf8))
        var ids: [Int] = []
        while let message = host.readMessage(timeout: 10) {
            if let id = message["id"] as? Int { ids.append(id) } else if message["id"] is NSNull { ids.append(-1) }
            if ids.count == 5 { break }
        }
        // Five recorded requests; the recorded garbage line and the recorded answers get none.
        #expect(ids.count == 5)
        #expect(ids.allSatisfy { $0 > 0 })
        #expect(host.stillServes())
    }

    @Test func twoHostsCannotRecordToOneLog() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("run.jsonl").path
        let first = try HostProcess(arguments: ["--record", log])
        #expect(first.stillServes())
        let (status, message) = try runBinary(["--record", log])
        #expect(status == 2)
        #expect(message.contains("another gradwell host"))
        #expect(first.finish() == 0)
    }

    @Test func searchIsDeterministicWhateverTheParallelism() throws {
        let host = try HostProcess()
        let template: [String: Any] = [
            "datasets": ["train": ["generator": "moons", "n": 100, "seed": 1], "dev": ["generator": "moons", "n": 50, "seed": 2]],
            "model": ["input": 2, "layers": [dense(6), dense(1, "sigmoid")]],
            "train": ["data": "train", "epochs": 5, "batch_size": 32, "optimizer": "adam"],
        ]
        let space: [String: Any] = ["train.optimizer.lr": ["type": "log_uniform", "low": 1e-4, "high": 1e-1],
                                    "model.layers.0.units": ["type": "int", "low": 2, "high": 9]]
        var notifications: [[String: Any]] = []
        let one = host.call("search", ["template": template, "space": space, "trials": 6, "seed": 3,
                                       "objective": ["data": "dev", "metric": "accuracy"]], notifications: &notifications)
        let two = host.call("search", ["template": template, "space": space, "trials": 6, "seed": 3, "parallel": 2,
                                       "objective": ["data": "dev", "metric": "accuracy"]])
        let first = try #require(one["result"] as? [String: Any])
        let second = try #require(two["result"] as? [String: Any])
        #expect(NSArray(array: first["trials"] as! [Any]) == NSArray(array: second["trials"] as! [Any]))
        #expect(notifications.filter { $0["method"] as? String == "trial" }.count == 6)
        let trials = try #require(first["trials"] as? [[String: Any]])
        let objectives = trials.compactMap { $0["objective"] as? Double }
        #expect(objectives == objectives.sorted(by: >), "sorted best first")
        // The best trial alone, from its config and seed, gives the same objective.
        let best = try #require(first["best"] as? [String: Any])
        let config = try #require(best["config"] as? [String: Any])
        let seed = try #require(best["seed"] as? Int)
        host.result("dataset/generate", ["name": "train", "generator": "moons", "n": 100, "seed": 1])
        host.result("dataset/generate", ["name": "dev", "generator": "moons", "n": 50, "seed": 2])
        host.result("model/create", ["name": "alone", "input": 2, "seed": seed,
                                     "layers": [dense(config["model.layers.0.units"] as! Int), dense(1, "sigmoid")]])
        host.result("train", ["model": "alone", "data": "train", "epochs": 5, "batch_size": 32, "seed": seed,
                              "optimizer": ["type": "adam", "lr": config["train.optimizer.lr"]!]])
        let evaluation = host.result("evaluate", ["model": "alone", "data": "dev"])
        #expect(evaluation["accuracy"] as? Double == best["objective"] as? Double)
    }

    @Test func searchRefusesBadSpaces() throws {
        let host = try HostProcess()
        let template: [String: Any] = ["model": ["input": 2, "layers": [dense(1, "sigmoid")]], "train": ["data": "d", "optimizer": "gd"]]
        func expectInvalid(_ space: [String: Any], _ extra: [String: Any] = [:], code: Int = -32602, path: String? = nil) {
            var params: [String: Any] = ["template": template, "space": space]
            params.merge(extra) { $1 }
            let response = host.call("search", params)
            #expect(codeOf(response) == code, "\(space) \(extra): \(response)")
            if let path { #expect(dataOf(response)["path"] as? String == path, "\(response)") }
        }
        expectInvalid(["train.nothing.lr": ["type": "uniform", "low": 0, "high": 1]], path: "params.space.train.nothing.lr")
        expectInvalid(["train.optimizer.lr": ["type": "uniform", "low": 1, "high": 1]], path: "params.space.train.optimizer.lr.high")
        expectInvalid(["train.optimizer.lr": ["type": "log_uniform", "low": 0, "high": 1]], path: "params.space.train.optimizer.lr.low")
        expectInvalid(["train.epochs": ["type": "int", "low": 1, "high": 3]], ["trials": 0], path: "params.trials")
        expectInvalid(["train.epochs": ["type": "int", "low": 1, "high": 3]], ["trials": 1_000_000], path: "params.trials")
        #expect(host.stillServes())
    }
}
