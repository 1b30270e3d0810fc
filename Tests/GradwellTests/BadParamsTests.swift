import Foundation
import Testing

/// Wrong types, out-of-range values, unknown names and absurd sizes: each answered with the
/// code and field the contract names, and the host keeps serving.
@Suite struct BadParamsTests {
    /// Sends one request and checks the error code and `data.path`.
    func expectError(_ host: HostProcess, _ method: String, _ params: [String: Any], code: Int, path: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any] {
        let response = host.call(method, params)
        #expect(codeOf(response) == code, "\(method) \(params): \(response)", sourceLocation: sourceLocation)
        if let path {
            #expect(dataOf(response)["path"] as? String == path, "\(response)", sourceLocation: sourceLocation)
        }
        #expect(host.stillServes(), sourceLocation: sourceLocation)
        return response
    }

    @Test func wrongTypesAndRangesNameTheField() throws {
        let host = try HostProcess()
        let layers: [[String: Any]] = [dense(4), dense(1, "sigmoid")]
        let e1 = expectError(host, "model/create", ["name": "m", "input": 2, "layers": [["type": "dense", "units": "ten"]]],
                             code: -32602, path: "params.layers[0].units")
        #expect((dataOf(e1)["expected"] as? String)?.contains("integer") == true)
        _ = expectError(host, "model/create", ["name": "m", "input": 2, "layers": [dense(4), ["type": "dense", "units": -3]]],
                        code: -32602, path: "params.layers[1].units")
        _ = expectError(host, "model/create", ["name": "m", "input": 2.5, "layers": layers], code: -32602, path: "params.input")
        _ = expectError(host, "model/create", ["name": "m", "input": 2, "layers": layers, "dtype": "float16"],
                        code: -32602, path: "params.dtype")
        _ = expectError(host, "model/create", ["name": "m", "input": 2, "layers": [], "loss": "mse"], code: -32602, path: "params.layers")
        _ = expectError(host, "model/create", ["name": "m", "input": 2, "layers": [["type": "dense", "units": 2, "colour": 1]]],
                        code: -32602, path: "params.layers[0].colour")
        _ = expectError(host, "model/create", ["name": "m", "input": 2, "layers": layers, "seed": -1], code: -32602, path: "params.seed")
        _ = expectError(host, "model/create", ["input": 2, "layers": layers], code: -32602, path: "params.name")
        _ = expectError(host, "dataset/generate", ["name": "d", "generator": "moons", "n": 0], code: -32602, path: "params.n")
        _ = expectError(host, "dataset/generate", ["name": "d", "generator": "moons", "noise": "lots"], code: -32602, path: "params.noise")
        _ = expectError(host, "dataset/generate", ["name": "d", "generator": "circles", "factor": 1.5], code: -32602, path: "params.factor")
        _ = expectError(host, "dataset/generate", ["name": "d", "generator": "moons", "rng": "mt"], code: -32602, path: "params.rng")
    }

    @Test func trainOptionsAreChecked() throws {
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 50])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(4), dense(1, "sigmoid")]])
        _ = expectError(host, "train", ["model": "m", "data": "d", "epochs": -1], code: -32602, path: "params.epochs")
        _ = expectError(host, "train", ["model": "m", "data": "d", "batch_size": 0], code: -32602, path: "params.batch_size")
        _ = expectError(host, "train", ["model": "m", "data": "d", "optimizer": ["type": "gd", "lr": 0]],
                        code: -32602, path: "params.optimizer.lr")
        _ = expectError(host, "train", ["model": "m", "data": "d", "optimizer": ["type": "gd", "lr": -0.1]],
                        code: -32602, path: "params.optimizer.lr")
        _ = expectError(host, "train", ["model": "m", "data": "d", "report_every": 0], code: -32602, path: "params.report_every")
        _ = expectError(host, "train", ["model": "m", "data": "d", "epoch": 5], code: -32602, path: "params.epoch")
    }

    @Test func unknownComponentsListTheAvailableNames() throws {
        let host = try HostProcess()
        var response = expectError(host, "model/create", ["name": "m", "input": 2, "layers": [dense(3, "relu", init: "lecun")]],
                                   code: -32001, path: "params.layers[0].init")
        #expect(dataOf(response)["kind"] as? String == "initializer")
        #expect((dataOf(response)["available"] as? [String])?.contains("he") == true)
        response = expectError(host, "model/create", ["name": "m", "input": 2, "layers": [dense(3, "swish")]],
                               code: -32001, path: "params.layers[0].activation")
        #expect(dataOf(response)["kind"] as? String == "activation")
        #expect((dataOf(response)["available"] as? [String])?.contains("relu") == true)
        response = expectError(host, "model/create", ["name": "m", "input": 2, "layers": [["type": "lstm"]]],
                               code: -32001, path: "params.layers[0]")
        #expect((dataOf(response)["available"] as? [String])?.contains("dense") == true)
        _ = expectError(host, "model/create", ["name": "m", "input": 2, "layers": [dense(1, "sigmoid")], "loss": "hinge"],
                        code: -32001, path: "params.loss")
        _ = expectError(host, "dataset/generate", ["name": "d", "generator": "swirl"], code: -32001, path: "params.generator")
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 20])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(1, "sigmoid")]])
        _ = expectError(host, "train", ["model": "m", "data": "d", "optimizer": "sgdr"], code: -32001, path: "params.optimizer")
    }

    @Test func unknownModelsAndDataSetsAreNotFound() throws {
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 20])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(1, "sigmoid")]])
        var response = expectError(host, "train", ["model": "ghost", "data": "d"], code: -32003, path: "params.model")
        #expect(dataOf(response)["available"] as? [String] == ["m"])
        response = expectError(host, "evaluate", ["model": "m", "data": "nowhere"], code: -32003, path: "params.data")
        #expect(dataOf(response)["available"] as? [String] == ["d"])
        _ = expectError(host, "predict", ["model": "ghost", "x": [[1, 2]]], code: -32003, path: "params.model")
    }

    @Test func absurdSizesAreRefusedBeforeAllocating() throws {
        let host = try HostProcess()
        // About 10^13 parameters.
        _ = expectError(host, "model/create", ["name": "m", "input": 3_000_000, "layers": [dense(3_000_000), dense(1, "sigmoid")]],
                        code: -32002, path: "params.layers[0]")
        _ = expectError(host, "dataset/generate", ["name": "d", "generator": "moons", "n": 1 << 40], code: -32002, path: "params.n")
        let small = try HostProcess(arguments: ["--max-elements", "1000"])
        _ = expectError(small, "model/create", ["name": "m", "input": 20, "layers": [dense(100)]], code: -32002)
        small.result("dataset/generate", ["name": "d", "generator": "moons", "n": 300])
        small.result("model/create", ["name": "m", "input": 2, "layers": [dense(10), dense(1, "sigmoid")]])
        _ = expectError(small, "train", ["model": "m", "data": "d"], code: -32002, path: "params.batch_size")
    }

    @Test func dataWithNaNOrHolesIsRefusedNamingTheCell() throws {
        let host = try HostProcess()
        _ = expectError(host, "dataset/inline", ["name": "d", "x": [[1, 2], [3, NSNull()]], "y": [0, 1]], code: -32602, path: "params.x[1][1]")
        _ = expectError(host, "dataset/inline", ["name": "d", "x": [[1, 2], [3]], "y": [0, 1]], code: -32602, path: "params.x[1]")
        _ = expectError(host, "dataset/inline", ["name": "d", "x": [[1, 2], [3, 4]], "y": [0]], code: -32602, path: "params.y")
        _ = expectError(host, "dataset/inline", ["name": "d", "x": [[1, 2]], "y": ["yes"]], code: -32602, path: "params.y[0]")
        _ = expectError(host, "dataset/inline", ["name": "d", "x": [], "y": []], code: -32602, path: "params.x")
    }

    @Test func dataThatDoesNotFitTheModelIsRefused() throws {
        let host = try HostProcess()
        host.result("dataset/inline", ["name": "three", "x": [[1, 2, 3], [4, 5, 6]], "y": [0, 1]])
        host.result("dataset/inline", ["name": "labels", "x": [[1, 2], [4, 5]], "y": [0, 2]])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(1, "sigmoid")]])
        var response = expectError(host, "train", ["model": "m", "data": "three"], code: -32602, path: "params.data")
        #expect((errorOf(response)["message"] as? String)?.contains("3 features") == true)
        response = expectError(host, "train", ["model": "m", "data": "labels"], code: -32602, path: "params.data")
        #expect((errorOf(response)["message"] as? String)?.contains("0 or 1") == true)
        _ = expectError(host, "predict", ["model": "m", "x": [[1, 2, 3]]], code: -32602, path: "params.x[0]")
        _ = expectError(host, "model/create", ["name": "bad", "input": 2, "layers": [dense(2, "relu")], "loss": "binary_cross_entropy"],
                        code: -32602, path: "params.layers[0].activation")
    }
}
