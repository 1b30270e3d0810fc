import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Faults a long run must survive, each against the real binary: signals with checkpoints, a
/// full or read-only disk, a client that stops reading or goes away, divergence, and paths
/// outside `--data-root`.
@Suite struct FaultTests {
    nonisolated(unsafe) static let model: [String: Any] = ["name": "m", "input": 2, "layers": [dense(8), dense(1, "sigmoid")], "seed": 7]

    func prepared(_ host: HostProcess) {
        host.result("dataset/generate", ["name": "train", "generator": "moons", "n": 200, "noise": 0.2, "seed": 3])
        host.result("model/create", Self.model)
    }

    // MARK: - Signals and checkpoints

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalDuringTrainWritesAFinalCheckpointAnswersAndExitsZero(_ signal: Int32) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = directory.appendingPathComponent("ck.json").path
        let log = directory.appendingPathComponent("run.jsonl").path
        let host = try HostProcess(arguments: ["--record", log])
        prepared(host)
        host.send(["jsonrpc": "2.0", "id": 1, "method": "train",
                   "params": ["model": "m", "data": "train", "epochs": 100_000_000, "batch_size": 32, "report_every": 1_000_000,
                              "optimizer": ["type": "adam", "lr": 0.01], "checkpoint_every": 50, "checkpoint_path": checkpoint]])
        // Wait for the first periodic checkpoint, then stop the host.
        let deadline = Date(timeIntervalSinceNow: 30)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        kill(host.process.processIdentifier, signal)
        var response: [String: Any]?
        while let message = host.readMessage(timeout: 30) {
            if message["id"] as? Int == 1 { response = message; break }
        }
        let answer = try #require(response)
        #expect(codeOf(answer) == -32005)
        let data = dataOf(answer)
        let written = try #require(data["checkpoint"] as? [String: Any])
        #expect(written["written"] as? Int ?? 0 >= 2, "periodic checkpoints plus the one at the stop")
        #expect(written["path"] as? String == checkpoint)
        #expect(host.waitForExit() == 0)

        // The checkpoint is the model as it stopped: a fresh host loads it, optimizer state and all.
        let fresh = try HostProcess()
        let loaded = fresh.result("model/load", ["name": "resumed", "path": checkpoint])
        #expect(loaded["epochs_trained"] as? Int == written["epochs_trained"] as? Int)
        #expect((loaded["epochs_trained"] as? Int ?? 0) >= 50)
        let file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: checkpoint))) as? [String: Any])
        #expect(file["optimizer"] is [String: Any])
        // No temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["ck.json", "run.jsonl"])
        // The run log was flushed: its last line is the cancelled train's answer.
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.last?.contains("-32005") == true)
    }

    @Test func checkpointsAreWrittenEveryNEpochsAndResumeBitForBit() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = directory.appendingPathComponent("ck.json").path
        let host = try HostProcess()
        prepared(host)
        let common: [String: Any] = ["model": "m", "data": "train", "batch_size": 32, "seed": 4, "optimizer": ["type": "adam", "lr": 0.01]]
        var params = common
        params["epochs"] = 7
        params["checkpoint_every"] = 3
        params["checkpoint_path"] = checkpoint
        let result = host.result("train", params)
        let written = try #require(result["checkpoint"] as? [String: Any])
        #expect(written["written"] as? Int == 3, "after epochs 3 and 6, and at the end")
        #expect(written["epochs_trained"] as? Int == 7)
        // Loading the checkpoint and training on gives what training on in memory gives.
        host.result("model/load", ["name": "copy", "path": checkpoint])
        var more = common
        more["epochs"] = 2
        let direct = host.result("train", more)
        more["model"] = "copy"
        let resumed = host.result("train", more)
        #expect(direct["cost"] as? Double == resumed["cost"] as? Double)

        var missing = common
        missing["checkpoint_every"] = 2
        #expect(dataOf(host.call("train", missing))["path"] as? String == "params.checkpoint_path")
        var zero = common
        zero["checkpoint_every"] = 0
        zero["checkpoint_path"] = checkpoint
        #expect(dataOf(host.call("train", zero))["path"] as? String == "params.checkpoint_every")
        #expect(host.stillServes())
    }

    @Test func aCheckpointThatCannotBeWrittenStopsTrainWithAnIOError() throws {
        let host = try HostProcess()
        prepared(host)
        let response = host.call("train", ["model": "m", "data": "train", "epochs": 10, "checkpoint_every": 2,
                                           "checkpoint_path": "/nonexistent-dir/ck.json"])
        #expect(codeOf(response) == -32004)
        #expect(dataOf(response)["epochs"] as? Int == 2)
        #expect(host.stillServes())
    }

    // MARK: - Full and read-only disks

    /// Runs the host in its own mount namespace with a small tmpfs at `directory` (and whatever
    /// else `setup` does there), so a full or read-only file system is real, not simulated.
    /// nil when this machine cannot make user namespaces.
    func hostWithTmpfs(_ directory: String, sizeKB: Int, setup: String = "") throws -> HostProcess? {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        probe.arguments = ["-rm", "sh", "-c", "mount -t tmpfs tmpfs \(directory)"]
        guard (try? probe.run()) != nil else { return nil }
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { return nil }
        let script = "mount -t tmpfs -o size=\(sizeKB)k tmpfs '\(directory)' && \(setup) exec '\(hostBinary)'"
        return try HostProcess(executable: "/usr/bin/unshare", arguments: ["-rm", "sh", "-c", script])
    }

    @Test func aSaveOntoAFullDiskFailsAndKeepsThePreviousFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let host = try hostWithTmpfs(directory.path, sizeKB: 64) else {
            print("skipped: no user namespaces here (unshare -rm failed)")
            return
        }
        let path = directory.appendingPathComponent("m.json").path
        prepared(host)
        host.result("model/save", ["model": "m", "path": path])
        let before = host.result("predict", ["model": "m", "x": [[0.5, 0.25], [-1, 2]]])
        // 2·3000 + 3000 + 3001 parameters in float64 text: far more than the 64 KB left.
        host.result("model/create", ["name": "m", "input": 2, "layers": [dense(3000), dense(1, "sigmoid")], "dtype": "float64", "seed": 1])
        let failed = host.call("model/save", ["model": "m", "path": path])
        #expect(codeOf(failed) == -32004)
        #expect(dataOf(failed)["errno"] as? Int == Int(ENOSPC))
        #expect(dataOf(failed)["path"] as? String == path)
        // The previous file is intact and loads as the model it was.
        host.result("model/load", ["name": "back", "path": path])
        let after = host.result("predict", ["model": "back", "x": [[0.5, 0.25], [-1, 2]]])
        let old = try #require(before["probabilities"] as? [[Double]])
        #expect(old == (after["probabilities"] as? [[Double]]))
        // The failed save's temporary file was removed: the small model saves again.
        host.result("model/create", Self.model)
        #expect(host.call("model/save", ["model": "m", "path": path])["result"] != nil)
        #expect(host.stillServes())
    }

    @Test func aSaveOntoAReadOnlyFileSystemFailsAndKeepsThePreviousFile() throws {
        let directory = try temporaryDirectory()
        let source = try temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: directory)
            try? FileManager.default.removeItem(at: source)
        }
        // A model file made by a normal host, copied in before the file system turns read-only.
        let original = source.appendingPathComponent("m.json").path
        let writer = try HostProcess()
        prepared(writer)
        writer.result("model/save", ["model": "m", "path": original])
        let expected = writer.result("predict", ["model": "m", "x": [[0.5, 0.25]]])
        guard let host = try hostWithTmpfs(directory.path, sizeKB: 1024,
                                           setup: "cp '\(original)' '\(directory.path)/m.json' && mount -o remount,ro '\(directory.path)' &&") else {
            print("skipped: no user namespaces here (unshare -rm failed)")
            return
        }
        let path = directory.appendingPathComponent("m.json").path
        prepared(host)
        host.result("train", ["model": "m", "data": "train", "epochs": 5])
        let failed = host.call("model/save", ["model": "m", "path": path])
        #expect(codeOf(failed) == -32004)
        #expect(dataOf(failed)["errno"] as? Int == Int(EROFS))
        host.result("model/load", ["name": "back", "path": path])
        let after = host.result("predict", ["model": "back", "x": [[0.5, 0.25]]])
        let old = try #require(expected["probabilities"] as? [[Double]])
        #expect(old == (after["probabilities"] as? [[Double]]))
        #expect(host.stillServes())
    }

    // MARK: - Clients that stop reading, close stdin or go away

    @Test func aClientThatStopsReadingBlocksTheHostWithoutLosingOrReorderingMessages() throws {
        let host = try HostProcess()
        prepared(host)
        host.pauseReading(true)
        // 6000 metric lines (~700 KB) fill the pipe many times over.
        host.send(["jsonrpc": "2.0", "id": 1, "method": "train",
                   "params": ["model": "m", "data": "train", "epochs": 6000, "report_every": 1]])
        host.send(["jsonrpc": "2.0", "id": 2, "method": "initialize"])
        sleep(1)
        #expect(host.process.isRunning, "blocked on the full pipe, not gone")
        host.pauseReading(false)
        var epochs: [Int] = []
        var answers: [Int] = []
        while answers.count < 2, let message = host.readMessage(timeout: 60) {
            if let params = message["params"] as? [String: Any], let epoch = params["epoch"] as? Int { epochs.append(epoch) }
            if let id = message["id"] as? Int {
                answers.append(id)
                if id == 1 { #expect((message["result"] as? [String: Any])?["epochs"] as? Int == 6000) }
            }
        }
        #expect(epochs == Array(0..<6000))
        #expect(answers == [1, 2])
        #expect(host.stillServes())
    }

    @Test func closingStdinMidTrainLetsTheTrainFinishAndTheHostExit() throws {
        let host = try HostProcess()
        prepared(host)
        host.send(["jsonrpc": "2.0", "id": 1, "method": "train", "params": ["model": "m", "data": "train", "epochs": 3000, "report_every": 1000]])
        host.send(["jsonrpc": "2.0", "id": 2, "method": "evaluate", "params": ["model": "m", "data": "train"]])
        host.closeInput()
        var answered: [Int: [String: Any]] = [:]
        while let message = host.readMessage(timeout: 60) {
            if let id = message["id"] as? Int { answered[id] = message }
        }
        #expect(answered[1]?["result"] != nil, "requests read before end of input are all served")
        #expect(answered[2]?["result"] != nil)
        #expect(host.waitForExit(timeout: 30) == 0)
    }

    @Test func aClientThatGoesAwayCancelsTheTrainAndTheHostExits() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: hostBinary)
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let requests = [
            #"{"jsonrpc":"2.0","id":1,"method":"dataset/generate","params":{"name":"d","generator":"moons","n":200,"seed":3}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"model/create","params":{"name":"m","input":2,"layers":[{"type":"dense","units":8},{"type":"dense","units":1,"activation":"sigmoid"}]}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"train","params":{"model":"m","data":"d","epochs":100000000,"report_every":100000000}}"#,
        ]
        input.fileHandleForWriting.write(Data((requests.joined(separator: "\n") + "\n").utf8))
        // Read the first answers, then vanish: both pipes closed, nobody reading or writing.
        var received = Data()
        while received.filter({ $0 == 10 }).count < 3 { received.append(output.fileHandleForReading.availableData) }
        usleep(300_000)
        try output.fileHandleForReading.close()
        try input.fileHandleForWriting.close()
        let deadline = Date(timeIntervalSinceNow: 20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        #expect(!process.isRunning, "the host noticed its client is gone and stopped training")
        if process.isRunning { process.terminate() } else { #expect(process.terminationStatus == 0) }
    }

    // MARK: - Divergence

    @Test func restoreBestKeepsTheLastFiniteWeightsWhenTrainingDiverges() throws {
        let host = try HostProcess()
        host.result("dataset/inline", ["name": "r", "x": [[1.0], [2.0], [3.0]], "y": [[2.0], [4.0], [6.0]]])
        for name in ["plain", "kept"] {
            host.result("model/create", ["name": name, "input": 1, "layers": [["type": "dense", "units": 1]], "loss": "mse", "seed": 2])
        }
        let train: [String: Any] = ["data": "r", "epochs": 500, "optimizer": ["type": "gd", "lr": 10]]
        var params = train
        params["model"] = "plain"
        let plain = host.result("train", params)
        #expect(plain["diverged"] as? Bool == true)
        #expect(codeOf(host.call("model/save", ["model": "plain", "path": "/tmp/never-written.json"])) == -32602,
                "non-finite weights are never saved")
        params["model"] = "kept"
        params["restore_best"] = true
        let kept = host.result("train", params)
        #expect(kept["diverged"] as? Bool == true)
        let at = try #require(kept["diverged_at"] as? [String: Any])
        let restored = try #require(kept["restored"] as? [String: Any])
        #expect(restored["reason"] as? String == "diverged")
        #expect(restored["epoch"] as? Int ?? 1_000 < at["epoch"] as? Int ?? 0)
        #expect((kept["cost"] as? Double)?.isFinite == true, "the kept weights give a finite cost")
        let values = try #require(host.result("predict", ["model": "kept", "x": [[1.5]]])["y"] as? [[Double]])
        let finite = values.flatMap { $0 }.allSatisfy { $0.isFinite }
        #expect(finite)
        #expect(host.stillServes())
    }

    // MARK: - --data-root

    @Test func dataRootConfinesEveryPathARequestNames() throws {
        let root = try temporaryDirectory()
        let outside = try temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: root)
            try? FileManager.default.removeItem(at: outside)
        }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "a,b,label\n0,1,0\n1,0,1\n".write(to: outside.appendingPathComponent("x.csv"), atomically: true, encoding: .utf8)
        try "a,b,label\n0,1,0\n1,0,1\n".write(to: root.appendingPathComponent("sub/x.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("escape").path, withDestinationPath: outside.path)
        let host = try HostProcess(arguments: ["--data-root", root.path])
        prepared(host)
        #expect(host.result("initialize")["data_root"] as? String == root.resolvingSymlinksInPath().path)

        // Inside: relative paths are taken from the root; `..` that stays inside is fine.
        #expect(host.call("dataset/load", ["name": "a", "path": "sub/x.csv", "label": "label"])["result"] != nil)
        #expect(host.call("dataset/load", ["name": "b", "path": "sub/../sub/x.csv", "label": "label"])["result"] != nil)
        #expect(host.call("model/save", ["model": "m", "path": "m.json"])["result"] != nil)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("m.json").path))
        #expect(host.call("model/load", ["name": "m2", "path": root.appendingPathComponent("m.json").path])["result"] != nil)

        // Outside, by absolute path, by `..`, through a symbolic link, for reading and writing.
        let refused: [(String, [String: Any], String)] = [
            ("dataset/load", ["name": "c", "path": outside.appendingPathComponent("x.csv").path, "label": "label"], "params.path"),
            ("dataset/load", ["name": "c", "path": "../\(outside.lastPathComponent)/x.csv", "label": "label"], "params.path"),
            ("dataset/load", ["name": "c", "path": "escape/x.csv", "label": "label"], "params.path"),
            ("dataset/load", ["name": "c", "path": "/etc/passwd"], "params.path"),
            ("model/save", ["model": "m", "path": "escape/m.json"], "params.path"),
            ("model/save", ["model": "m", "path": "../m.json"], "params.path"),
            ("model/load", ["name": "m3", "path": "/etc/hostname"], "params.path"),
            ("train", ["model": "m", "data": "train", "epochs": 1, "checkpoint_path": "escape/ck.json"], "params.checkpoint_path"),
        ]
        for (method, params, field) in refused {
            let response = host.call(method, params)
            #expect(codeOf(response) == -32602, "\(method) \(params)")
            #expect(dataOf(response)["path"] as? String == field, "\(method) \(params)")
            #expect((errorOf(response)["message"] as? String ?? "").contains("outside the data root"))
        }
        #expect(!FileManager.default.fileExists(atPath: outside.appendingPathComponent("m.json").path))
        #expect(!FileManager.default.fileExists(atPath: outside.appendingPathComponent("ck.json").path))
        #expect(host.stillServes())
    }

    @Test func dataRootMustBeAnExistingDirectory() throws {
        let host = try HostProcess(arguments: ["--data-root", "/nonexistent/root"])
        #expect(host.waitForExit() == 2)
    }
}
