import Foundation
import Testing

/// Shaped models through the real host: input shapes, output shapes, the errors that name the
/// fix, and everything that must keep working with them (save/load, gradcheck, replay, threads).
@Suite struct ShapedModelTests {
    nonisolated(unsafe) static let cnn: [[String: Any]] = [
        ["type": "conv1d", "filters": 25, "kernel_size": 5, "stride": 2, "padding": 1, "activation": "relu"],
        ["type": "conv1d", "filters": 25, "kernel_size": 3, "stride": 2, "padding": 1, "activation": "relu"],
        ["type": "conv1d", "filters": 25, "kernel_size": 3, "stride": 2, "padding": 1, "activation": "relu"],
        ["type": "flatten"], ["type": "dense", "units": 10],
    ]

    /// Signals of length 40 whose class is where a bump sits (learnable by a CNN).
    static func signals(_ n: Int, seed: UInt64) -> (x: [[Double]], y: [Int]) {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var x: [[Double]] = [], y: [Int] = []
        for i in 0..<n {
            let label = i % 10
            x.append((0..<40).map { t in (abs(t - 4 * label - 2) < 2 ? 1.0 : 0.0) + 0.3 * next() })
            y.append(label)
        }
        return (x, y)
    }

    @Test func theMNIST1DCNNHasThePapersShapes() throws {
        let host = try HostProcess()
        let model = host.result("model/create", ["name": "cnn", "input": [1, 40], "layers": Self.cnn, "loss": "softmax_cross_entropy"])
        #expect(model["input"] as? [Int] == [1, 40])
        #expect(model["output_shapes"] as? [[Int]] == [[25, 19], [25, 10], [25, 5], [125], [10]])
        #expect(model["parameters"] as? Int == 25 * 5 + 25 + 25 * 25 * 3 + 25 + 25 * 25 * 3 + 25 + 125 * 10 + 10)
        let flat = host.result("model/create", ["name": "mlp", "input": 40, "layers": [dense(10, "linear")]])
        #expect(flat["output_shapes"] == nil && flat["input"] as? Int == 40)
        #expect(host.finish() == 0)
    }

    /// Parses a JSON text written in a test's arguments.
    static func json(_ text: String) -> Any { try! JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }

    @Test(arguments: [
        (#"[{"type":"conv1d","filters":2,"kernel_size":3},{"type":"dense","units":1}]"#, "[1,40]", "params.layers[1]", "flatten"),
        (#"[{"type":"conv1d","filters":2,"kernel_size":50}]"#, "[1,40]", "params.layers[0]", "window of 50"),
        (#"[{"type":"conv1d","filters":2,"kernel_size":3,"stride":2,"padding":"same"}]"#, "[1,40]", "params.layers[0]", "stride 1"),
        (#"[{"type":"conv2d","filters":2,"kernel_size":3}]"#, "[1,40]", "params.layers[0]", "[channels, height, width]"),
        (#"[{"type":"conv1d","filters":2,"kernel_size":3}]"#, "40", "params.layers[0]", "[channels, length]"),
        (#"[{"type":"maxpool1d","pool_size":2}]"#, "40", "params.layers[0]", "[channels, length]"),
        (#"[{"type":"global_avg_pool"}]"#, "40", "params.layers[0]", "[channels, length]"),
    ])
    func shapesThatDoNotFitAreRefusedNamingTheLayer(layers: String, input: String, path: String, hint: String) throws {
        let host = try HostProcess()
        let answer = host.call("model/create", ["name": "m", "input": Self.json(input), "layers": Self.json(layers)])
        #expect(codeOf(answer) == -32602)
        #expect(dataOf(answer)["path"] as? String == path)
        #expect((errorOf(answer)["message"] as? String)?.contains(hint) == true, "\(errorOf(answer)["message"] ?? "")")
        #expect(host.stillServes())
        _ = host.finish()
    }

    @Test(arguments: ["[0,5]", "[1,2,3,4]", "[1]", "[1.5,2]", #"["1",2]"#, "0", #""[1,40]""#])
    func badInputShapesAreRefused(input: String) throws {
        let host = try HostProcess()
        let answer = host.call("model/create", ["name": "m", "input": Self.json(input), "layers": [dense(1)]])
        #expect(codeOf(answer) == -32602 && dataOf(answer)["path"] as? String == "params.input", "\(answer)")
        #expect(host.stillServes())
        _ = host.finish()
    }

    @Test(arguments: [
        #"{"type":"conv1d","filters":2,"kernel_size":[3,3]}"#, #"{"type":"conv1d","filters":2,"kernel_size":0}"#,
        #"{"type":"conv2d","filters":2,"kernel_size":[3,3,3]}"#, #"{"type":"conv1d","filters":2,"kernel_size":3,"padding":"valid"}"#,
        #"{"type":"maxpool2d","pool_size":[2,-1]}"#, #"{"type":"conv1d","filters":0,"kernel_size":3}"#,
    ])
    func badWindowParametersAreRefused(layer: String) throws {
        let host = try HostProcess()
        let answer = host.call("model/create", ["name": "m", "input": [1, 8, 8], "layers": [Self.json(layer)]])
        #expect(codeOf(answer) == -32602)
        #expect((dataOf(answer)["path"] as? String)?.hasPrefix("params.layers[0].") == true, "\(answer)")
        _ = host.finish()
    }

    /// A CNN learns, saves and loads to the same bits, passes gradcheck in float64, trains to the
    /// same bits run after run (2 threads too), and its run log replays and verifies.
    @Test func aCNNTrainsSavesChecksAndReplays() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (x, y) = Self.signals(400, seed: 3)
        func session(threads: Int, log: String? = nil) throws -> (train: [String: Any], evaluate: [String: Any]) {
            let host = try HostProcess(arguments: ["--threads", "\(threads)"] + (log.map { ["--record", $0] } ?? []))
            host.result("dataset/inline", ["name": "d", "x": x, "y": y])
            host.result("model/create", ["name": "cnn", "input": [1, 40], "layers": Self.cnn, "loss": "softmax_cross_entropy", "seed": 4])
            let trained = host.result("train", ["model": "cnn", "data": "d", "epochs": 15, "batch_size": 100,
                                                "optimizer": ["type": "adam", "lr": 0.01]])
            let path = directory.appendingPathComponent("cnn-\(threads).json").path
            host.result("model/save", ["model": "cnn", "path": path])
            host.result("model/load", ["name": "again", "path": path])
            let before = host.result("evaluate", ["model": "cnn", "data": "d"])
            #expect(host.result("evaluate", ["model": "again", "data": "d"]) as NSDictionary == before as NSDictionary)
            #expect(host.finish() == 0)
            return (trained, before)
        }
        let log = directory.appendingPathComponent("run.jsonl").path
        let first = try session(threads: 1, log: log)
        #expect((first.train["accuracy"] as? Double ?? 0) > 0.9, "\(first.train)")
        let second = try session(threads: 1)
        #expect(first.train["cost"] as? Double == second.train["cost"] as? Double)
        let twoThreads = try session(threads: 2), twoAgain = try session(threads: 2)
        #expect(twoThreads.train["cost"] as? Double == twoAgain.train["cost"] as? Double)
        let (status, message) = try runBinary(["replay", log, "--verify"])
        #expect(status == 0, "\(message)")

        let host = try HostProcess()
        host.result("dataset/inline", ["name": "d", "x": Array(x.prefix(20)), "y": Array(y.prefix(20))])
        var layers = Self.cnn
        layers.insert(["type": "batchnorm"], at: 1)
        layers.insert(["type": "maxpool1d", "pool_size": 2, "stride": 1], at: 3)
        host.result("model/create", ["name": "m", "input": [1, 40], "layers": layers, "loss": "softmax_cross_entropy", "dtype": "float64"])
        let check = host.result("gradcheck", ["model": "m", "data": "d"])
        #expect(check["passed"] as? Bool == true, "\(check)")
        #expect(host.finish() == 0)
    }
}

/// Sizes a client can ask for that would not fit in memory: refused before anything is built,
/// or computed in chunks that do fit.
@Suite struct ShapedSizeTests {
    @Test(arguments: [
        (#"[1073741824,1073741824,1073741824]"#, #"[{"type":"flatten"}]"#, "params.input"),
        (#"[1000,2000]"#, #"[{"type":"conv1d","filters":1,"kernel_size":1000},{"type":"flatten"},{"type":"dense","units":1}]"#, "params.layers"),
        (#"[1,64]"#, #"[{"type":"conv1d","filters":1099511627776,"kernel_size":3}]"#, "params.layers[0]"),
    ])
    func absurdShapesAreRefusedBeforeAllocating(input: String, layers: String, path: String) throws {
        let host = try HostProcess()
        let answer = host.call("model/create", ["name": "m", "input": ShapedModelTests.json(input), "layers": ShapedModelTests.json(layers)])
        #expect(codeOf(answer) == -32002 && dataOf(answer)["path"] as? String == path, "\(answer)")
        #expect(host.stillServes())
        _ = host.finish()
    }

    /// A layer of 4 million units evaluates and predicts 30 rows in chunks (16 rows of 2^26
    /// elements at most), where 8192 rows at once would need 131 GB.
    @Test func aVeryWideLayerIsEvaluatedInChunks() throws {
        let host = try HostProcess(arguments: ["--max-elements", "16777216"])
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 30, "seed": 1])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(4_000_000, "linear"), dense(1, "sigmoid")]])
        let evaluation = host.result("evaluate", ["model": "m", "data": "d"])
        #expect(evaluation["n"] as? Int == 30 && evaluation["cost"] is Double)
        let predicted = host.result("predict", ["model": "m", "x": [[Double]](repeating: [0.5, -0.25], count: 30)])
        #expect((predicted["y"] as? [Any])?.count == 30)
        #expect(host.finish() == 0)
    }
}
