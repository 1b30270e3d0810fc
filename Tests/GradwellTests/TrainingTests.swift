import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `train`, `evaluate`, `predict`, `model/save` and `model/load` through the real host.
@Suite struct TrainingTests {
    nonisolated(unsafe) static let moonsModel: [String: Any] = ["name": "m", "input": 2, "layers": [dense(8), dense(1, "sigmoid")], "seed": 7]

    func prepared(_ arguments: [String] = []) throws -> HostProcess {
        let host = try HostProcess(arguments: arguments)
        host.result("dataset/generate", ["name": "train", "generator": "moons", "n": 200, "noise": 0.2, "seed": 3])
        host.result("model/create", Self.moonsModel)
        return host
    }

    @Test func trainStreamsMetricsAndAnswersOnce() throws {
        let host = try prepared()
        var metrics: [[String: Any]] = []
        let response = host.call("train", ["model": "m", "data": "train", "epochs": 25, "report_every": 10,
                                           "optimizer": ["type": "gd", "lr": 0.5]], notifications: &metrics)
        let result = try #require(response["result"] as? [String: Any])
        #expect(result["epochs"] as? Int == 25)
        #expect(result["steps"] as? Int == 25)
        #expect(result["diverged"] as? Bool == false)
        #expect(result["wall_ms"] is Double)
        #expect(metrics.map { ($0["params"] as? [String: Any])?["epoch"] as? Int } == [0, 10, 20, 24])
        let first = try #require(metrics.first?["params"] as? [String: Any])
        #expect(first["request"] as? Int == response["id"] as? Int)
        #expect(first["lr"] as? Double == 0.5)
        let costs = metrics.compactMap { ($0["params"] as? [String: Any])?["cost"] as? Double }
        #expect(costs.last! < costs.first!, "the cost falls")
        // accuracy in the result is measured like evaluate's.
        let evaluation = host.result("evaluate", ["model": "m", "data": "train"])
        #expect(evaluation["accuracy"] as? Double == result["accuracy"] as? Double)
        #expect(evaluation["cost"] as? Double == result["cost"] as? Double)
        #expect(evaluation["n"] as? Int == 200)
    }

    @Test func miniBatchesCountStepsAndCapTheBatch() throws {
        let host = try prepared()
        var result = host.result("train", ["model": "m", "data": "train", "epochs": 3, "batch_size": 64])
        #expect(result["steps"] as? Int == 12, "200 rows in batches of 64 is 4 steps an epoch")
        result = host.result("train", ["model": "m", "data": "train", "epochs": 2, "batch_size": 1000])
        #expect(result["steps"] as? Int == 2)
        #expect(result["batch_size_capped"] as? Int == 200)
    }

    @Test func predictGivesLabelsAndProbabilities() throws {
        let host = try prepared()
        host.result("train", ["model": "m", "data": "train", "epochs": 200, "optimizer": ["type": "gd", "lr": 0.5]])
        let result = host.result("predict", ["model": "m", "x": [[-1.0, 0.5], [2.0, -0.5], [0.5, 0.25]]])
        let labels = try #require(result["y"] as? [Int])
        let probabilities = try #require(result["probabilities"] as? [[Double]])
        #expect(labels.count == 3 && probabilities.count == 3)
        for (label, row) in zip(labels, probabilities) {
            #expect(row.count == 1 && row[0] >= 0 && row[0] <= 1)
            #expect(label == (row[0] > 0.5 ? 1 : 0))
        }
        #expect(labels[0] == 0 && labels[1] == 1, "points deep inside each moon")
    }

    @Test func softmaxModelsPredictClasses() throws {
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "s", "generator": "blobs", "n": 150, "centers": 3, "cluster_std": 0.5, "seed": 1])
        host.result("model/create", ["name": "c", "input": 2, "layers": [dense(8), dense(3, "softmax")], "loss": "softmax_cross_entropy"])
        let trained = host.result("train", ["model": "c", "data": "s", "epochs": 100, "optimizer": ["type": "gd", "lr": 0.1]])
        #expect((trained["accuracy"] as? Double ?? 0) > 0.95)
        let result = host.result("predict", ["model": "c", "x": [[0.0, 0.0]]])
        let row = try #require((result["probabilities"] as? [[Double]])?.first)
        #expect(row.count == 3)
        #expect(abs(row.reduce(0, +) - 1) < 1e-6)
    }

    @Test func saveAndLoadRoundTripExactly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gradwell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("m.json").path
        let host = try prepared()
        host.result("train", ["model": "m", "data": "train", "epochs": 30, "optimizer": ["type": "gd", "lr": 0.3]])
        let saved = host.result("model/save", ["model": "m", "path": path])
        #expect(saved["bytes"] as? Int ?? 0 > 0)
        let loaded = host.result("model/load", ["name": "copy", "path": path])
        #expect(loaded["parameters"] as? Int == 33)
        #expect(loaded["epochs_trained"] as? Int == 30)
        let x: [[Double]] = [[0.1, 0.2], [1.5, -0.3], [-0.7, 0.9]]
        #expect(NSDictionary(dictionary: host.result("predict", ["model": "m", "x": x]))
                == NSDictionary(dictionary: host.result("predict", ["model": "copy", "x": x])))
        // Training either copy further gives the same numbers: the state was saved whole.
        let a = host.result("train", ["model": "m", "data": "train", "epochs": 5, "optimizer": ["type": "gd", "lr": 0.3], "batch_size": 32])
        let b = host.result("train", ["model": "copy", "data": "train", "epochs": 5, "optimizer": ["type": "gd", "lr": 0.3], "batch_size": 32])
        #expect(a["cost"] as? Double == b["cost"] as? Double)
        // A new host loads it too.
        let other = try HostProcess()
        #expect(other.result("model/load", ["name": "m", "path": path])["parameters"] as? Int == 33)
    }

    @Test func fileErrorsAreIOErrorsNamingTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gradwell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let host = try prepared()
        let missing = directory.appendingPathComponent("missing.json").path
        var response = host.call("model/load", ["name": "x", "path": missing])
        #expect(codeOf(response) == -32004)
        #expect(dataOf(response)["path"] as? String == missing)

        let good = directory.appendingPathComponent("good.json").path
        host.result("model/save", ["model": "m", "path": good])
        let text = try String(contentsOfFile: good, encoding: .utf8)
        let truncated = directory.appendingPathComponent("truncated.json").path
        try String(text.prefix(text.count / 2)).write(toFile: truncated, atomically: true, encoding: .utf8)
        response = host.call("model/load", ["name": "x", "path": truncated])
        #expect(codeOf(response) == -32004)
        #expect(dataOf(response)["line"] as? Int == 1)
        #expect(dataOf(response)["column"] is Int)

        let notAModel = directory.appendingPathComponent("other.json").path
        try "{\"hello\": 1}".write(toFile: notAModel, atomically: true, encoding: .utf8)
        #expect(codeOf(host.call("model/load", ["name": "x", "path": notAModel])) == -32004)

        // Saving into a missing directory fails and leaves nothing behind.
        response = host.call("model/save", ["model": "m", "path": directory.appendingPathComponent("no/such/dir/m.json").path])
        #expect(codeOf(response) == -32004)
        #expect(host.stillServes())
    }

    @Test func aFailedSaveLeavesThePreviousFileIntact() throws {
        guard getuid() != 0 else { return }  // root ignores directory permissions; the tmpfs test below covers root.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gradwell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer {
            chmod(directory.path, 0o755)
            try? FileManager.default.removeItem(at: directory)
        }
        let path = directory.appendingPathComponent("m.json").path
        let host = try prepared()
        host.result("model/save", ["model": "m", "path": path])
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        chmod(directory.path, 0o555)
        host.result("train", ["model": "m", "data": "train", "epochs": 3])
        #expect(codeOf(host.call("model/save", ["model": "m", "path": path])) == -32004)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func divergenceIsReportedNotFatal() throws {
        let host = try HostProcess()
        host.result("dataset/inline", ["name": "r", "x": [[1.0], [2.0], [3.0]], "y": [[2.0], [4.0], [6.0]]])
        host.result("model/create", ["name": "lin", "input": 1, "layers": [["type": "dense", "units": 1]], "loss": "mse"])
        let result = host.result("train", ["model": "lin", "data": "r", "epochs": 500, "optimizer": ["type": "gd", "lr": 10]])
        #expect(result["diverged"] as? Bool == true)
        let at = try #require(result["diverged_at"] as? [String: Any])
        #expect(at["epoch"] is Int && at["step"] is Int)
        #expect(result["epochs"] as? Int ?? 500 < 500)
        #expect(host.stillServes())
    }

    @Test func aSaturatedSigmoidGivesAFiniteCost() throws {
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "train", "generator": "circles", "n": 300, "noise": 0.05, "seed": 1, "rng": "numpy"])
        host.result("model/create", ["name": "big", "input": 2, "dtype": "float64", "seed": 3, "rng": "numpy",
                                     "layers": [dense(10, "relu", init: ["type": "random", "scale": 10]),
                                                dense(5, "relu", init: ["type": "random", "scale": 10]),
                                                dense(1, "sigmoid", init: ["type": "random", "scale": 10])]])
        var metrics: [[String: Any]] = []
        let response = host.call("train", ["model": "big", "data": "train", "epochs": 1], notifications: &metrics)
        let result = try #require(response["result"] as? [String: Any])
        #expect(result["diverged"] as? Bool == false)
        let cost = try #require((metrics.first?["params"] as? [String: Any])?["cost"] as? Double)
        #expect(cost.isFinite && cost > 1, "the course's own formula gives inf here")
    }

    @Test func cancelStopsARunningTrain() throws {
        let host = try prepared()
        host.send(["jsonrpc": "2.0", "id": 1, "method": "train", "params": ["model": "m", "data": "train", "epochs": 100_000_000, "report_every": 1_000_000]])
        usleep(300_000)
        host.send(["jsonrpc": "2.0", "id": 2, "method": "$/cancel", "params": ["id": 1]])
        var trainResponse: [String: Any]?
        var cancelResponse: [String: Any]?
        while trainResponse == nil || cancelResponse == nil, let message = host.readMessage(timeout: 30) {
            if message["id"] as? Int == 1 { trainResponse = message }
            if message["id"] as? Int == 2 { cancelResponse = message }
        }
        let response = try #require(trainResponse)
        #expect(codeOf(response) == -32005)
        #expect(dataOf(response)["steps"] as? Int ?? 0 > 0)
        #expect(cancelResponse?["result"] != nil)
        #expect(host.stillServes())
    }

    @Test func sigtermDuringTrainAnswersCancelledAndExitsZero() throws {
        let host = try prepared()
        host.send(["jsonrpc": "2.0", "id": 1, "method": "train", "params": ["model": "m", "data": "train", "epochs": 100_000_000, "report_every": 1_000_000]])
        usleep(300_000)
        kill(host.process.processIdentifier, SIGTERM)
        var response: [String: Any]?
        while let message = host.readMessage(timeout: 30) {
            if message["id"] as? Int == 1 { response = message; break }
        }
        #expect(codeOf(try #require(response)) == -32005)
        #expect(host.waitForExit() == 0)
    }

    @Test func sameRequestsGiveTheSameBits() throws {
        func transcript() throws -> [String] {
            let host = try prepared()
            host.send(["jsonrpc": "2.0", "id": 1, "method": "train",
                       "params": ["model": "m", "data": "train", "epochs": 20, "batch_size": 16, "seed": 5]])
            host.send(["jsonrpc": "2.0", "id": 2, "method": "predict", "params": ["model": "m", "x": [[0.3, 0.1]]]])
            var lines: [String] = []
            while let line = host.readLine(timeout: 30) {
                lines.append(line.replacingOccurrences(of: #""wall_ms":[0-9.e+-]+"#, with: "", options: .regularExpression))
                if line.contains("\"id\":2") { break }
            }
            return lines
        }
        let first = try transcript()
        #expect(first.count > 3)
        #expect(first == (try transcript()))
    }

    /// With --threads 2, products of a full digits batch are split across the worker threads
    /// and Adam's update is split by ranges: still the same bits, run after run.
    @Test func twoThreadsGiveTheSameBitsRunAfterRun() throws {
        func transcript() throws -> [String] {
            let host = try HostProcess(arguments: ["--threads", "2"])
            host.result("dataset/load", ["name": "digits", "path": repositoryRoot.appendingPathComponent("examples/data/digits.csv").path,
                                         "label": "label"])
            host.result("model/create", ["name": "m", "input": 64, "layers": [dense(256), dense(128), dense(10, "softmax")],
                                         "loss": "softmax_cross_entropy", "seed": 3])
            host.send(["jsonrpc": "2.0", "id": 1, "method": "train",
                       "params": ["model": "m", "data": "digits", "epochs": 4, "optimizer": ["type": "adam", "lr": 0.01]]])
            host.send(["jsonrpc": "2.0", "id": 2, "method": "train",
                       "params": ["model": "m", "data": "digits", "epochs": 2, "batch_size": 128, "optimizer": ["type": "adam", "lr": 0.01]]])
            var lines: [String] = []
            while let line = host.readLine(timeout: 60) {
                lines.append(line.replacingOccurrences(of: #""wall_ms":[0-9.e+-]+"#, with: "", options: .regularExpression))
                if line.contains("\"id\":2") { break }
            }
            return lines
        }
        let first = try transcript()
        #expect(first.count >= 8)
        #expect(first.last?.contains("\"result\"") == true)
        #expect(first == (try transcript()))
    }

    @Test func gradwellStreamsDoNotShiftWhenALayerIsAdded() throws {
        let host = try HostProcess()
        host.result("model/create", ["name": "a", "input": 2, "layers": [dense(3), dense(1, "sigmoid")], "seed": 11])
        host.result("model/create", ["name": "b", "input": 2, "layers": [dense(3), dense(4), dense(1, "sigmoid")], "seed": 11])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gradwell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func firstLayer(_ name: String) throws -> [Double] {
            let path = directory.appendingPathComponent("\(name).json").path
            host.result("model/save", ["model": name, "path": path])
            let file = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            let parameters = try #require(file?["parameters"] as? [[String: Any]])
            return try #require(parameters.first?["values"] as? [Double])
        }
        #expect(try firstLayer("a") == (try firstLayer("b")))
    }
}
