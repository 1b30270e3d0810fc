import Foundation
import Testing

/// `dataset/load` (CSV, .npy, IDX), `dataset/split` and `dataset/normalize`, and the training
/// options of the regularization issue, through the real host.
@Suite struct DataMethodsTests {
    let directory: URL

    init() throws {
        directory = try temporaryDirectory()
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }

    /// A .npy file: version 1.0 header padded to 64 bytes, then little-endian data.
    func npy(_ name: String, descr: String, fortran: Bool = false, shape: String, data: [UInt8]) throws -> String {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = UInt16(header.count)
        return try write(name, [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + data)
    }

    func float64s(_ values: [Double]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }

    @Test func csvLoadsAndItsErrorsNameLineAndColumn() throws {
        let host = try HostProcess()
        let good = try write("good.csv", "a,b,label\n1,2,0\n3.5,-4e-1,1\n")
        let loaded = host.result("dataset/load", ["name": "g", "path": good])
        #expect(loaded["n"] as? Int == 2 && loaded["features"] as? Int == 2 && loaded["classes"] as? Int == 2)
        #expect(host.result("dataset/load", ["name": "g2", "path": good, "label": 0])["features"] as? Int == 2)
        let cases: [(String, String, Int?, Int?)] = [
            ("ragged.csv", "a,b,label\n1,2,0\n3,1\n", 3, nil),
            ("text.csv", "a,b,label\n1,two,0\n", 2, 2),
            ("nan.csv", "a,b,label\n1,nan,0\n", 2, 2),
        ]
        for (name, text, line, column) in cases {
            let path = try write(name, text)
            let response = host.call("dataset/load", ["name": "x", "path": path])
            #expect(codeOf(response) == -32004, "\(name): \(response)")
            #expect(dataOf(response)["path"] as? String == path)
            #expect(dataOf(response)["line"] as? Int == line, "\(name): \(response)")
            if let column { #expect(dataOf(response)["column"] as? Int == column, "\(name): \(response)") }
        }
        let noLabel = try write("nolabel.csv", "a,b\n1,2\n")
        let response = host.call("dataset/load", ["name": "x", "path": noLabel])
        #expect(codeOf(response) == -32602 && dataOf(response)["path"] as? String == "params.label")
        #expect(codeOf(host.call("dataset/load", ["name": "x", "path": good, "label": "colour"])) == -32602)
        #expect(host.stillServes())
    }

    @Test func npyLoadsAndRefusesWhatItCannotReadRight() throws {
        let host = try HostProcess()
        let features = try npy("x.npy", descr: "<f8", shape: "(3, 2)", data: float64s([1, 2, 3, 4, 5, 6]))
        let labels = try npy("y.npy", descr: "<i8", shape: "(3,)", data: [0, 1, 1].flatMap { withUnsafeBytes(of: Int64($0).littleEndian, Array.init) })
        let loaded = host.result("dataset/load", ["name": "n", "path": features, "labels": labels])
        #expect(loaded["n"] as? Int == 3 && loaded["features"] as? Int == 2 && loaded["classes"] as? Int == 2)
        let bigEndian = try npy("be.npy", descr: ">f8", shape: "(3, 2)", data: float64s([1, 2, 3, 4, 5, 6]))
        var response = host.call("dataset/load", ["name": "x", "path": bigEndian, "labels": labels])
        #expect(codeOf(response) == -32004 && (errorOf(response)["message"] as? String)?.contains("big-endian") == true, "\(response)")
        let fortran = try npy("f.npy", descr: "<f8", fortran: true, shape: "(3, 2)", data: float64s([1, 2, 3, 4, 5, 6]))
        response = host.call("dataset/load", ["name": "x", "path": fortran, "labels": labels])
        #expect(codeOf(response) == -32004 && (errorOf(response)["message"] as? String)?.contains("Fortran") == true)
        let short = try npy("short.npy", descr: "<f8", shape: "(3, 2)", data: float64s([1, 2, 3]))
        response = host.call("dataset/load", ["name": "x", "path": short, "labels": labels])
        #expect(codeOf(response) == -32004 && dataOf(response)["offset"] is Int, "\(response)")
        #expect(host.stillServes())
    }

    @Test func idxLoadsImagesScaledAndRefusesAShortFile() throws {
        let host = try HostProcess()
        // Two 2x2 images of unsigned bytes, and their labels.
        let images = try write("images-idx3-ubyte", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 51, 102, 255, 0, 0, 0])
        let labels = try write("labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 2, 3, 7])
        let loaded = host.result("dataset/load", ["name": "i", "path": images, "labels": labels, "format": "idx"])
        #expect(loaded["n"] as? Int == 2 && loaded["features"] as? Int == 4 && loaded["classes"] as? Int == 8)
        host.result("model/create", ["name": "lin", "input": 4, "layers": [["type": "dense", "units": 1]], "loss": "mse"])
        let truncated = try write("short-idx3-ubyte", [0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3])
        let response = host.call("dataset/load", ["name": "x", "path": truncated, "labels": labels, "format": "idx"])
        #expect(codeOf(response) == -32004)
        #expect(dataOf(response)["offset"] as? Int == 19)
        #expect((errorOf(response)["message"] as? String)?.contains("promises") == true)
    }

    @Test func splitIsSeededAndStratifiedAndNormalizeUsesTheTrainingStatistics() throws {
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "all", "generator": "blobs", "n": 200, "centers": 2, "seed": 5])
        let split = host.result("dataset/split", ["source": "all", "into": ["train": 0.75, "dev": 0.25], "seed": 1, "stratify": true])
        let sets = try #require(split["sets"] as? [[String: Any]])
        #expect(Set(sets.map { "\($0["name"]!)=\($0["n"]!)" }) == ["train=150", "dev=50"])
        let again = host.result("dataset/split", ["source": "all", "into": ["train": 0.75, "dev": 0.25], "seed": 1, "stratify": true])
        #expect(NSDictionary(dictionary: split) == NSDictionary(dictionary: again))
        let dev = host.result("dataset/normalize", ["name": "dev", "stats_from": "train"])
        let train = host.result("dataset/normalize", ["name": "train", "stats_from": "train"])
        #expect(NSArray(array: dev["mean"] as! [Any]) == NSArray(array: train["mean"] as! [Any]), "order of calls does not matter")
        #expect(codeOf(host.call("dataset/split", ["source": "all", "into": ["a": 0.5, "b": 0.4]])) == -32602)
        // A model trained on normalized data applies the statistics to raw inputs in predict.
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(4), dense(1, "sigmoid")]])
        host.result("train", ["model": "m", "data": "train", "epochs": 50, "optimizer": ["type": "adam", "lr": 0.05]])
        #expect((host.result("evaluate", ["model": "m", "data": "dev"])["accuracy"] as? Double ?? 0) > 0.9)
        let path = directory.appendingPathComponent("m.json").path
        host.result("model/save", ["model": "m", "path": path])
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        #expect((saved?["normalization"] as? [String: Any])?["mean"] is [Double])
    }

    @Test func regularizationOptionsAndTheirBadValues() throws {
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "train", "generator": "moons", "n": 201, "noise": 0.25, "seed": 3])
        host.result("dataset/generate", ["name": "dev", "generator": "moons", "n": 100, "noise": 0.25, "seed": 4])
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(16), ["type": "dropout", "keep_prob": 0.8], dense(1, "sigmoid")]])
        var metrics: [[String: Any]] = []
        let response = host.call("train", ["model": "m", "data": "train", "epochs": 400, "validation": "dev", "diagnostics": true,
                                           "optimizer": ["type": "adam", "lr": 0.05], "regularizers": [["type": "l2", "lambda": 0.1]],
                                           "clip": ["max_norm": 1.0], "report_every": 50,
                                           "early_stopping": ["patience": 5, "monitor": "val_cost", "restore_best": true]],
                             notifications: &metrics)
        let result = try #require(response["result"] as? [String: Any])
        #expect(result["stopped_early"] as? Bool == true, "\(result)")
        #expect(result["best_epoch"] is Int)
        let last = try #require(metrics.last?["params"] as? [String: Any])
        #expect(last["val_cost"] is Double && last["grad_norm"] is Double)
        let layers = try #require(last["layers"] as? [[String: Any]])
        #expect(layers.count == 2 && layers[0]["dead_fraction"] is Double && layers[0]["update_ratio"] is Double)
        #expect(codeOf(host.call("train", ["model": "m", "data": "train", "regularizers": [["type": "l2", "lambda": -1]]])) == -32602)
        #expect(codeOf(host.call("train", ["model": "m", "data": "train", "clip": ["max_norm": 0]])) == -32602)
        #expect(codeOf(host.call("train", ["model": "m", "data": "train", "early_stopping": ["patience": 3]])) == -32602, "needs validation")
        host.result("model/create", ["name": "bn", "input": 2, "layers": [dense(4, "linear"), ["type": "batchnorm"], dense(1, "sigmoid")]])
        let one = host.call("train", ["model": "bn", "data": "train", "batch_size": 1])
        #expect(codeOf(one) == -32602 && dataOf(one)["path"] as? String == "params.batch_size")
        let lastOfOne = host.call("train", ["model": "bn", "data": "train", "batch_size": 100])
        #expect(codeOf(lastOfOne) == -32602, "201 rows in batches of 100 leave a batch of one")
        #expect(host.result("train", ["model": "bn", "data": "train", "batch_size": 67])["steps"] as? Int == 3)
        let big = try HostProcess()
        big.result("dataset/generate", ["name": "d", "generator": "blobs", "n": 4, "features": 1100, "centers": 2])
        big.result("model/create", ["name": "wide", "input": 1100, "layers": [dense(1000), dense(1, "sigmoid")]])
        let check = big.call("gradcheck", ["model": "wide", "data": "d"])
        #expect(codeOf(check) == -32002 && dataOf(check)["path"] as? String == "params.max_entries")
        let sampled = big.result("gradcheck", ["model": "wide", "data": "d", "max_entries": 50])
        #expect(sampled["entries"] as? Int == 50 && sampled["passed"] as? Bool == true, "\(sampled)")
    }
}
