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
        let directory = try temporaryDirectory()
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
        let directory = try temporaryDirectory()
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
        let directory = try temporaryDirectory()
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

    /// A digits-sized dense network at --threads 2 trains its batches in slices of rows, one per
    /// thread (the default for this shape; forced here so the test does not depend on the
    /// threshold): the batch's gradient as on one thread up to summation order. In float64, one
    /// gradient-descent step gives the same model to 1e-14; 54 Adam steps stay within 1e-9 (Adam divides by
    /// √v, which magnifies last-bit differences of tiny gradients); the divergence point is the
    /// same, and the bits are the same run after run. With no regularizer or clipping, each
    /// thread adds up the slices' gradients of the parameters it then updates (a missed one
    /// would show at once). Without slicing, 2 threads give one thread's bits (the optimizer
    /// step shares whole tensors out between the threads).
    @Test func batchesSlicedAcrossThreadsTrainLikeOneThread() throws {
        func run(threads: Int, sliced: Bool, epochs: Int = 3, batch: Int = 100, optimizer: String = "adam",
                 learningRate: Double = 0.01) throws
            -> (metrics: [[String: Any]], result: [String: Any], predictions: [Double]) {
            var environment = ProcessInfo.processInfo.environment
            environment["GRADWELL_DATA_PARALLEL"] = sliced ? "1" : "0"
            let host = try HostProcess(arguments: ["--threads", "\(threads)"], environment: environment)
            host.result("dataset/load", ["name": "digits", "path": repositoryRoot.appendingPathComponent("examples/data/digits.csv").path,
                                         "label": "label"])
            host.result("model/create", ["name": "m", "input": 64, "layers": [dense(128), dense(64, "tanh"), dense(10, "softmax")],
                                         "loss": "softmax_cross_entropy", "seed": 5, "dtype": "float64"])
            var metrics: [[String: Any]] = []
            let response = host.call("train", ["model": "m", "data": "digits", "epochs": epochs, "batch_size": batch,
                                               "optimizer": ["type": optimizer, "lr": learningRate]], notifications: &metrics)
            let result = try #require(response["result"] as? [String: Any], "\(response)")
            let x = [[Double]](repeating: (0..<64).map { Double($0 % 17) }, count: 2)
            let predicted = host.result("predict", ["model": "m", "x": x])
            // A diverged model may predict non-finite values (null on the wire): NaN here.
            let rows = try #require(predicted["probabilities"] as? [[Any]])
            return (metrics.compactMap { $0["params"] as? [String: Any] }, result,
                    rows.joined().map { $0 as? Double ?? .nan })
        }
        func close(_ a: [Double], _ b: [Double], _ tolerance: Double) {
            #expect(a.count == b.count && !a.isEmpty)
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= tolerance * max(1, abs(x)), "one thread \(x), sliced \(y)") }
        }
        // One full-batch gradient-descent step: the new weights are the old minus lr times the gradient.
        let stepOne = try run(threads: 1, sliced: false, epochs: 1, batch: 1797, optimizer: "gd", learningRate: 0.05)
        let stepSliced = try run(threads: 2, sliced: true, epochs: 1, batch: 1797, optimizer: "gd", learningRate: 0.05)
        close([stepOne.result["cost"] as? Double ?? .nan] + stepOne.predictions,
              [stepSliced.result["cost"] as? Double ?? .nan] + stepSliced.predictions, 1e-14)
        #expect(stepOne.metrics.first?["cost"] as? Double != nil)
        close(stepOne.metrics.compactMap { $0["cost"] as? Double }, stepSliced.metrics.compactMap { $0["cost"] as? Double }, 1e-14)

        let one = try run(threads: 1, sliced: false)
        let sliced = try run(threads: 2, sliced: true)
        #expect(one.result["steps"] as? Int == 54)
        #expect(sliced.result["steps"] as? Int == 54)
        close(one.metrics.compactMap { $0["cost"] as? Double } + [one.result["cost"] as? Double ?? .nan] + one.predictions,
              sliced.metrics.compactMap { $0["cost"] as? Double } + [sliced.result["cost"] as? Double ?? .nan] + sliced.predictions, 1e-9)
        #expect(one.result["accuracy"] as? Double == sliced.result["accuracy"] as? Double)
        let again = try run(threads: 2, sliced: true)
        #expect(again.metrics.map { $0["cost"] as? Double } == sliced.metrics.map { $0["cost"] as? Double })
        #expect(again.predictions == sliced.predictions)
        // Unsliced at 2 threads, these products are too small to cut and the optimizer step only
        // shares whole tensors out between the threads: the very bits of one thread.
        let shared = try run(threads: 2, sliced: false)
        #expect(shared.metrics.map { $0["cost"] as? Double } == one.metrics.map { $0["cost"] as? Double })
        #expect(shared.predictions == one.predictions)
        #expect(shared.result["cost"] as? Double == one.result["cost"] as? Double)
        // A divergence is caught at the same step, with the first non-finite layer found in the
        // slices. (At lr 1e300 whether, and where, the weights overflow depends on the BLAS
        // kernel: OpenBLAS's Haswell core diverged at step 17, its Cooperlake core not at all;
        // 1e308 overflows the first step on every kernel.)
        let blownOne = try run(threads: 1, sliced: false, learningRate: 1e308)
        let blownSliced = try run(threads: 2, sliced: true, learningRate: 1e308)
        #expect(blownOne.result["diverged"] as? Bool == true)
        #expect(blownSliced.result["diverged"] as? Bool == true)
        let at = blownOne.result["diverged_at"] as? [String: Any], slicedAt = blownSliced.result["diverged_at"] as? [String: Any]
        #expect(at?["step"] as? Int == slicedAt?["step"] as? Int)
        #expect(at?["layer"] as? Int == slicedAt?["layer"] as? Int)
    }

    /// The slices' shares of the cost and gradient for the other built-in losses (means over
    /// rows, and over all outputs for mse), with a dense layer without bias and L2 and clipping
    /// applied to the summed gradient: one full-batch step matches one thread to 1e-14.
    @Test func slicedStepsMatchOneThreadForEveryLoss() throws {
        var bias = dense(6, "tanh")
        bias["use_bias"] = false
        let cases: [(loss: String, output: [String: Any])] = [
            ("binary_cross_entropy", dense(2, "sigmoid")), ("mse", dense(2)),
        ]
        for (loss, output) in cases {
            func run(threads: Int, sliced: Bool) throws -> [Double] {
                var environment = ProcessInfo.processInfo.environment
                environment["GRADWELL_DATA_PARALLEL"] = sliced ? "1" : "0"
                let host = try HostProcess(arguments: ["--threads", "\(threads)"], environment: environment)
                let x = (0..<101).map { i in [sin(Double(i)), cos(Double(i) * 0.7), Double(i % 7) / 7] }
                let y = x.map { row in [row[0] + row[1] > 0 ? 1.0 : 0.0, row[2] > 0.5 ? 1.0 : 0.0] }
                host.result("dataset/inline", ["name": "d", "x": x, "y": y])
                host.result("model/create", ["name": "m", "input": 3, "layers": [dense(16), bias, output],
                                             "loss": loss, "seed": 9, "dtype": "float64"])
                var metrics: [[String: Any]] = []
                let response = host.call("train", ["model": "m", "data": "d", "epochs": 1, "optimizer": ["type": "gd", "lr": 0.3],
                                                   "regularizers": [["type": "l2", "lambda": 0.1]], "clip": ["max_norm": 0.5]],
                                         notifications: &metrics)
                let result = try #require(response["result"] as? [String: Any], "\(response)")
                let step = try #require(metrics.first?["params"] as? [String: Any])
                let predicted = host.result("predict", ["model": "m", "x": Array(x.prefix(5))])
                let values = try #require((predicted["probabilities"] ?? predicted["y"]) as? [[Double]])
                return [step["cost"] as? Double ?? .nan, step["grad_norm"] as? Double ?? .nan, result["cost"] as? Double ?? .nan]
                    + values.joined()
            }
            let one = try run(threads: 1, sliced: false), sliced = try run(threads: 2, sliced: true)
            #expect(one.count == sliced.count && one.count > 3, "\(loss)")
            for (a, b) in zip(one, sliced) { #expect(abs(a - b) <= 1e-14 * max(1, abs(a)), "\(loss): one thread \(a), sliced \(b)") }
        }
    }

    /// `"evaluate": false` skips the pass over the training set after training: `cost` and
    /// `accuracy` are null, the epochs' metrics and the model are as with it.
    @Test func trainWithoutTheFinalEvaluation() throws {
        let host = try prepared()
        var metrics: [[String: Any]] = []
        let response = host.call("train", ["model": "m", "data": "train", "epochs": 5, "batch_size": 50, "evaluate": false,
                                           "optimizer": ["type": "adam", "lr": 0.01]], notifications: &metrics)
        let result = try #require(response["result"] as? [String: Any])
        #expect(result["cost"] is NSNull && result["accuracy"] is NSNull)
        #expect(result["epochs"] as? Int == 5 && result["steps"] as? Int == 20 && result["diverged"] as? Bool == false)
        #expect(metrics.count == 5)
        let other = try prepared()
        let evaluated = other.result("train", ["model": "m", "data": "train", "epochs": 5, "batch_size": 50,
                                                "optimizer": ["type": "adam", "lr": 0.01]])
        #expect(evaluated["cost"] as? Double == host.result("evaluate", ["model": "m", "data": "train"])["cost"] as? Double)
        let wrong = host.call("train", ["model": "m", "data": "train", "evaluate": "no"])
        #expect(codeOf(wrong) == -32602)
        #expect(dataOf(wrong)["path"] as? String == "params.evaluate")
        #expect(host.stillServes())
    }

    @Test func gradwellStreamsDoNotShiftWhenALayerIsAdded() throws {
        let host = try HostProcess()
        host.result("model/create", ["name": "a", "input": 2, "layers": [dense(3), dense(1, "sigmoid")], "seed": 11])
        host.result("model/create", ["name": "b", "input": 2, "layers": [dense(3), dense(4), dense(1, "sigmoid")], "seed": 11])
        let directory = try temporaryDirectory()
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
