import Foundation
import Testing

/// JSON-RPC 2.0 §4-§5 corner cases, "did you mean" suggestions, and the hints that point a
/// user from a wrong loss or target format to the right one: one line in, the answer checked.
@Suite struct WireConformanceTests {
    /// Sends raw lines and returns the host's answers, parsed.
    static func answers(_ lines: [String]) throws -> [Any] {
        let host = try HostProcess()
        for line in lines { host.send(line) }
        host.send(#"{"jsonrpc":"2.0","id":"end","method":"shutdown"}"#)
        var out: [Any] = []
        while let line = host.readLine(timeout: 30) {
            let value = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
            if let object = value as? [String: Any], object["id"] as? String == "end" { break }
            out.append(value)
        }
        _ = host.finish()
        return out
    }

    @Test func paramsThatIsNotStructuredIsAnInvalidRequestAnsweredEvenWithoutAnId() throws {
        let got = try Self.answers([
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":3}"#,
            #"{"jsonrpc":"2.0","method":"initialize","params":"x"}"#,
            #"[{"jsonrpc":"2.0","method":"initialize","params":true},{"jsonrpc":"2.0","method":"initialize"}]"#,
        ])
        #expect(got.count == 3)
        let first = try #require(got[0] as? [String: Any])
        #expect(codeOf(first) == -32600 && first["id"] as? Int == 1 && dataOf(first)["path"] as? String == "params")
        let second = try #require(got[1] as? [String: Any])
        #expect(codeOf(second) == -32600 && second["id"] is NSNull)
        let batch = try #require(got[2] as? [[String: Any]])
        #expect(batch.count == 1 && codeOf(batch[0]) == -32600 && batch[0]["id"] is NSNull)
    }

    @Test func responsesAreIgnoredUnlessTheyCarryBothResultAndError() throws {
        let got = try Self.answers([
            #"{"jsonrpc":"2.0","id":9,"result":{"ok":true}}"#,
            #"{"jsonrpc":"2.0","id":9,"error":{"code":1,"message":"x"}}"#,
            #"{"jsonrpc":"2.0","id":9,"result":1,"error":{"code":1,"message":"x"}}"#,
        ])
        #expect(got.count == 1)
        #expect(codeOf(try #require(got[0] as? [String: Any])) == -32600)
    }

    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":1,"method":"intialize"}"#, -32601, "initialize"),
        (#"{"jsonrpc":"2.0","id":1,"method":"model/create","params":{"name":"m","input":2,"layers":[{"type":"dense","units":1}],"loss":"softmax_crossentropy"}}"#, -32001, "softmax_cross_entropy"),
        (#"{"jsonrpc":"2.0","id":1,"method":"model/create","params":{"name":"m","input":2,"layers":[{"type":"dens","units":1}]}}"#, -32001, "dense"),
        (#"{"jsonrpc":"2.0","id":1,"method":"model/create","params":{"name":"m","input":2,"layers":[{"type":"dense","unit":1}]}}"#, -32602, "units"),
        (#"{"jsonrpc":"2.0","id":1,"method":"model/create","params":{"name":"m","input":2,"layers":[{"type":"dense","units":1,"activation":"sigmod"}]}}"#, -32001, "sigmoid"),
        (#"{"jsonrpc":"2.0","id":1,"method":"model/create","params":{"name":"m","input":2,"layrs":[]}}"#, -32602, "layers"),
        (#"{"jsonrpc":"2.0","id":1,"method":"model/create","params":{"name":"m","input":2,"layers":[{"type":"dense","units":1}],"dtype":"flaot32"}}"#, -32602, "float32"),
        (#"{"jsonrpc":"2.0","id":1,"method":"dataset/generate","params":{"name":"x","generator":"moon","n":10}}"#, -32001, "moons"),
    ])
    func unknownNamesSuggestTheClosest(line: String, code: Int, suggestion: String) throws {
        let answer = try #require(try Self.answers([line]).first as? [String: Any])
        #expect(codeOf(answer) == code)
        #expect(dataOf(answer)["suggestion"] as? String == suggestion)
        #expect((errorOf(answer)["message"] as? String)?.contains("did you mean '\(suggestion)'?") == true)
    }

    @Test func aFarNameGetsNoSuggestion() throws {
        let answer = try #require(try Self.answers([#"{"jsonrpc":"2.0","id":1,"method":"zzzzzzzz"}"#]).first as? [String: Any])
        #expect(codeOf(answer) == -32601 && dataOf(answer)["suggestion"] == nil)
    }

    @Test func manyClassesUnderBinaryCrossEntropySuggestSoftmax() throws {
        let host = try HostProcess()
        host.result("dataset/load", ["name": "digits", "path": repositoryRoot.appendingPathComponent("examples/data/digits.csv").path])
        host.result("model/create", ["name": "m", "input": 64, "layers": [dense(1, "sigmoid")]])
        let answer = host.call("train", ["model": "m", "data": "digits", "epochs": 1])
        #expect(codeOf(answer) == -32602)
        let message = errorOf(answer)["message"] as? String ?? ""
        #expect(message.contains("10 classes") && message.contains("softmax_cross_entropy"), "\(message)")
        #expect(dataOf(answer)["suggestion"] as? String == "softmax_cross_entropy")
        #expect(host.finish() == 0)
    }

    @Test func oneHotTargetsForSoftmaxAreRefusedWithTheFix() throws {
        let host = try HostProcess()
        host.result("dataset/inline", ["name": "onehot", "x": [[0, 1], [1, 0], [1, 1]], "y": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(3, "linear")], "loss": "softmax_cross_entropy"])
        let answer = host.call("train", ["model": "m", "data": "onehot", "epochs": 1])
        #expect(codeOf(answer) == -32602)
        #expect((errorOf(answer)["message"] as? String)?.contains("give class indices 0..2") == true)
        #expect(host.finish() == 0)
    }

    /// With regularizers, the train result's cost is the loss plus the regularization term, as
    /// the metrics' costs are; `loss` is what `evaluate` reports.
    @Test func regularizedCostsSayWhatTheyHoldAndAgree() throws {
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 200, "seed": 1])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(8), dense(1, "sigmoid")], "dtype": "float64"])
        var notes: [[String: Any]] = []
        let answer = host.call("train", ["model": "m", "data": "d", "epochs": 3, "regularizers": [["type": "l2", "lambda": 0.7]]],
                               notifications: &notes)
        let result = try #require(answer["result"] as? [String: Any])
        let cost = try #require(result["cost"] as? Double), loss = try #require(result["loss"] as? Double)
        let penalty = try #require(result["regularization"] as? Double)
        // (Foundation's parser may miss the last bit of a double: compared within 1e-15.)
        #expect(penalty > 0 && abs(cost - (loss + penalty)) <= 1e-15 * cost)
        #expect(abs((host.result("evaluate", ["model": "m", "data": "d"])["cost"] as? Double ?? 0) - loss) <= 1e-15 * loss)
        for metric in notes.compactMap({ $0["params"] as? [String: Any] }) {
            let c = try #require(metric["cost"] as? Double), l = try #require(metric["loss"] as? Double)
            let r = try #require(metric["regularization"] as? Double)
            #expect(abs(c - (l + r)) <= 1e-12 * c)
        }
        let plain = host.call("train", ["model": "m", "data": "d", "epochs": 1])
        #expect((plain["result"] as? [String: Any])?["loss"] == nil)
        #expect(host.finish() == 0)
    }

    /// `running_variance: "unbiased"` keeps what PyTorch's BatchNorm1d keeps (momentum 0.1 there
    /// is 0.9 here): after one batch of 3 rows, 0.9·1 + 0.1·Σ(x-μ)²/2.
    @Test func batchNormKeepsTheUnbiasedRunningVarianceWhenAsked() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func runningVariance(_ kind: String) throws -> [Double] {
            let host = try HostProcess()
            host.result("dataset/inline", ["name": "d", "x": [[1, 2], [3, 5], [4, 9]], "y": [[0, 0], [0, 0], [0, 0]]])
            host.result("model/create", ["name": "m", "input": 2, "layers": [["type": "batchnorm", "running_variance": kind]],
                                         "loss": "mse", "dtype": "float64"])
            host.result("train", ["model": "m", "data": "d", "epochs": 1, "optimizer": ["type": "gd", "lr": 1e-6]])
            let path = directory.appendingPathComponent("\(kind).json").path
            host.result("model/save", ["model": "m", "path": path])
            #expect(host.finish() == 0)
            let file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let state = try #require((file["layer_state"] as? [[String: Any]])?.first)
            return try #require(state["running_var"] as? [Double])
        }
        let unbiased = try runningVariance("unbiased"), biased = try runningVariance("biased")
        // Column 0: 1, 3, 4 (Σ(x-μ)² = 14/3); column 1: 2, 5, 9 (Σ(x-μ)² = 74/3).
        for (got, expected) in zip(unbiased, [0.9 + 0.1 * (14.0 / 3) / 2, 0.9 + 0.1 * (74.0 / 3) / 2]) {
            #expect(abs(got - expected) < 1e-12)
        }
        for (got, expected) in zip(biased, [0.9 + 0.1 * (14.0 / 3) / 3, 0.9 + 0.1 * (74.0 / 3) / 3]) {
            #expect(abs(got - expected) < 1e-12)
        }
    }
}
