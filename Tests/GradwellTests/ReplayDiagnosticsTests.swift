import Foundation
import Testing

/// What `replay --verify` says when a replay differs: the first field (path and both values),
/// a changed data file by name, and a log from another BLAS kernel up front. Also `dataset/drop`
/// and the per-command help of the command line.
@Suite struct ReplayDiagnosticsTests {
    /// Records a session that loads `csv`, trains and evaluates.
    func record(_ log: String, csv: String) throws {
        let host = try HostProcess(arguments: ["--record", log])
        let loaded = host.result("dataset/load", ["name": "d", "path": csv, "label": "label"])
        let files = try #require(loaded["files"] as? [[String: Any]])
        #expect(files.count == 1 && (files[0]["sha256"] as? String)?.count == 64 && files[0]["path"] as? String == csv)
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(4), dense(1, "sigmoid")], "seed": 2])
        host.result("train", ["model": "m", "data": "d", "epochs": 5, "optimizer": ["type": "adam", "lr": 0.01]])
        host.result("evaluate", ["model": "m", "data": "d"])
        #expect(host.finish() == 0)
    }

    func writeCSV(_ path: String, shift: Double = 0) throws {
        var text = "x1,x2,label\n"
        for i in 0..<40 { text += "\(Double(i % 7) / 7 + shift),\(Double(i % 5) / 5),\(i % 2)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A fresh folder holding points.csv and run.jsonl, a log recorded from it (the caller removes it).
    func recordedRun() throws -> (directory: URL, csv: String, log: String) {
        let directory = try temporaryDirectory()
        let csv = directory.appendingPathComponent("points.csv").path, log = directory.appendingPathComponent("run.jsonl").path
        try writeCSV(csv)
        try record(log, csv: csv)
        return (directory, csv, log)
    }

    /// Replaces the last line of `log` that `line` picks by `edit` of its JSON object; returns its index.
    func rewrite(_ log: String, line: (String) -> Bool, _ edit: ([String: Any]) throws -> [String: Any]) throws -> Int {
        var lines = try String(contentsOfFile: log, encoding: .utf8).components(separatedBy: "\n")
        let found = lines.lastIndex(where: line)
        let index = try #require(found)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[index].utf8)) as? [String: Any])
        lines[index] = String(decoding: try JSONSerialization.data(withJSONObject: try edit(object)), as: UTF8.self)
        try lines.joined(separator: "\n").write(toFile: log, atomically: true, encoding: .utf8)
        return index
    }

    @Test func dataSetLoadsRecordTheFileChecksumAndAChangedFileIsNamed() throws {
        let (directory, csv, log) = try recordedRun()
        defer { try? FileManager.default.removeItem(at: directory) }
        var (status, message) = try runBinary(["replay", log, "--verify"])
        #expect(status == 0, "\(message)")
        try writeCSV(csv, shift: 0.01)
        (status, message) = try runBinary(["replay", log, "--verify"])
        #expect(status == 1)
        #expect(message.contains("data file \(csv) changed since the log was recorded (sha256 "), "\(message)")
    }

    @Test func theFirstDifferingFieldIsNamedWithBothValues() throws {
        let (directory, _, log) = try recordedRun()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The evaluate answer: its accuracy edited.
        let index = try rewrite(log, line: { $0.contains("\"accuracy\"") && $0.contains("\"n\":40") }) { object in
            var result = try #require(object["result"] as? [String: Any])
            result["accuracy"] = 0.123
            return ["jsonrpc": "2.0", "id": object["id"]!, "result": result]
        }
        let (status, message) = try runBinary(["replay", log, "--verify"])
        #expect(status == 1)
        #expect(message.contains(":\(index + 1): differs at result.accuracy: recorded 0.123, replayed "), "\(message)")
    }

    /// A log whose header names another BLAS core says so before comparing anything.
    @Test func aLogFromAnotherKernelIsNotedUpFront() throws {
        let (directory, _, log) = try recordedRun()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try rewrite(log, line: { $0.contains("\"$/record\"") }) { header in
            var header = header
            var params = try #require(header["params"] as? [String: Any])
            var machine = try #require(params["machine"] as? [String: Any])
            var blas = try #require(machine["blas"] as? [String: Any])
            blas["core"] = "Prescott"
            machine["blas"] = blas
            params["machine"] = machine
            header["params"] = params
            return header
        }
        let (_, message) = try runBinary(["replay", log, "--verify"])
        #expect(message.hasPrefix("gradwell replay: note: the log was recorded on another machine or kernel (blas_core Prescott then"), "\(message)")
        #expect(message.contains("OPENBLAS_CORETYPE=Prescott"))
    }

    @Test func dropForgetsADataSet() throws {
        let host = try HostProcess()
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 50, "seed": 1])
        let dropped = host.result("dataset/drop", ["name": "d"])
        #expect(dropped["name"] as? String == "d" && dropped["dropped"] as? Bool == true)
        let again = host.call("dataset/drop", ["name": "d"])
        #expect(codeOf(again) == -32003)
        #expect(codeOf(host.call("evaluate", ["model": "m", "data": "d"])) == -32003)
        #expect(codeOf(host.call("dataset/drop", ["name": "d", "extra": 1])) == -32602)
        #expect(host.finish() == 0)
    }

    @Test(arguments: [["help", "run"], ["run", "--help"], ["check", "--help"], ["help", "replay"], ["report", "--help"], ["help"]])
    func everyCommandHasItsOwnHelp(_ arguments: [String]) throws {
        let (status, text) = try runBinaryForOutput(arguments)
        #expect(status == 0)
        let command = arguments.first == "help" ? arguments.dropFirst().first : arguments.first
        #expect(text.hasPrefix("usage: gradwell \(command.map { $0 + " " } ?? "")"), "\(text.prefix(80))")
    }

    @Test func checkOnlyRunsTheNamedComponents() throws {
        let (status, text) = try runBinaryForOutput(["check", "--only", "adam,l2"])
        #expect(status == 0)
        #expect(text.contains("optimizer adam") && text.contains("regularizer l2") && !text.contains("optimizer momentum"))
        #expect(text.hasSuffix("2 passed, 0 failed\n"))
        let (refused, message) = try runBinary(["check", "--only", "adma"])
        #expect(refused == 2 && message.contains("did you mean 'adam'?"))
    }
}
