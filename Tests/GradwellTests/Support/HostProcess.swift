import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The repository root, found from this file's location.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The real `gradwell` binary: `GRADWELL_HOST` when set, otherwise the `cli` package built in
/// release mode once per test run (an incremental build is a no-op when nothing changed).
let hostBinary: String = {
    if let path = ProcessInfo.processInfo.environment["GRADWELL_HOST"], !path.isEmpty { return path }
    let cli = repositoryRoot.appendingPathComponent("cli").path
    let build = Process()
    build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    build.arguments = ["swift", "build", "--package-path", cli, "-c", "release", "--product", "gradwell"]
    build.standardOutput = FileHandle.standardError
    try! build.run()
    build.waitUntilExit()
    precondition(build.terminationStatus == 0, "building the gradwell host failed")
    return repositoryRoot.appendingPathComponent("cli/.build/release/gradwell").path
}()

/// A running `gradwell` host, driven line by line as a client would.
final class HostProcess: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private let condition = NSCondition()
    private var lines: [String] = []
    private var ended = false
    private var nextID = 1000
    /// While set, nothing is read from the host's stdout: a client that stopped reading.
    private var paused = false

    init(executable: String = hostBinary, arguments: [String] = [], environment: [String: String]? = nil,
         currentDirectory: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let handle = output.fileHandleForReading
        let reader = Thread { [self] in
            var buffer: [UInt8] = []
            while true {
                condition.lock()
                while paused { condition.wait() }
                condition.unlock()
                let data = handle.availableData
                if data.isEmpty { break }
                buffer.append(contentsOf: data)
                while let newline = buffer.firstIndex(of: 10) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer.removeSubrange(0...newline)
                    condition.lock(); lines.append(line); condition.signal(); condition.unlock()
                }
            }
            condition.lock(); ended = true; condition.broadcast(); condition.unlock()
        }
        reader.start()
        // Drain stderr so the host never blocks on it.
        Thread { [errors] in while !errors.fileHandleForReading.availableData.isEmpty {} }.start()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Stops reading the host's output (its pipe fills and its writes block) or resumes.
    func pauseReading(_ pause: Bool) {
        condition.lock(); paused = pause; condition.broadcast(); condition.unlock()
    }

    /// Closes our end of the host's stdout, as a client that died would.
    func closeOutput() {
        try? output.fileHandleForReading.close()
    }

    /// Closes the host's stdin without waiting.
    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Writes raw bytes (no newline added).
    func sendRaw(_ bytes: [UInt8]) {
        input.fileHandleForWriting.write(Data(bytes))
    }

    /// Writes one line.
    func send(_ line: String) {
        sendRaw(Array(line.utf8) + [10])
    }

    /// Writes a request object as one line.
    func send(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        sendRaw(Array(data) + [10])
    }

    /// The next line the host writes, or nil after `timeout` seconds or at end of output.
    func readLine(timeout: Double = 120) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while lines.isEmpty && !ended {
            if !condition.wait(until: deadline) { return nil }
        }
        return lines.isEmpty ? nil : lines.removeFirst()
    }

    /// The next line, parsed by Foundation's JSON parser (independent of the host's).
    func readMessage(timeout: Double = 120) -> [String: Any]? {
        guard let line = readLine(timeout: timeout) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])) as? [String: Any]
    }

    /// Sends a request and returns its response, collecting the notifications before it.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], notifications: UnsafeMutablePointer<[[String: Any]]>? = nil) -> [String: Any] {
        nextID += 1
        let id = nextID
        send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        while let message = readMessage() {
            if message["id"] == nil, message["method"] != nil {
                notifications?.pointee.append(message)
                continue
            }
            return message
        }
        Issue.record("no response to \(method)")
        return [:]
    }

    /// The result of a call that must succeed.
    @discardableResult
    func result(_ method: String, _ params: [String: Any] = [:]) -> [String: Any] {
        let response = call(method, params)
        guard let result = response["result"] as? [String: Any] else {
            Issue.record("\(method) failed: \(response)")
            return [:]
        }
        return result
    }

    /// Closes stdin and waits for the exit status.
    func finish(timeout: Double = 60) -> Int32? {
        try? input.fileHandleForWriting.close()
        return waitForExit(timeout: timeout)
    }

    func waitForExit(timeout: Double = 60) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// The host still answers `initialize` (the check after every bad input).
    func stillServes() -> Bool {
        let response = call("initialize")
        return (response["result"] as? [String: Any])?["name"] as? String == "gradwell"
    }
}

/// The error object of a response, or an empty dictionary.
func errorOf(_ response: [String: Any]) -> [String: Any] { response["error"] as? [String: Any] ?? [:] }
func codeOf(_ response: [String: Any]) -> Int? { errorOf(response)["code"] as? Int }
func dataOf(_ response: [String: Any]) -> [String: Any] { errorOf(response)["data"] as? [String: Any] ?? [:] }

/// A dense layer as a request writes it.
func dense(_ units: Int, _ activation: String = "relu", init initializer: Any = "he") -> [String: Any] {
    ["type": "dense", "units": units, "activation": activation, "init": initializer]
}

/// A fresh directory under the system's temporary directory (the caller removes it).
func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gradwell-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// Runs the host binary with `arguments` (no stdin; SIGTERM after `seconds` when given) and
/// returns (exit status, stderr).
func runBinary(_ arguments: [String], stopAfter seconds: Double? = nil) throws -> (Int32, String) {
    try runBinary(arguments, stopAfter: seconds, reading: \.standardError)
}

/// Runs the host binary with `arguments` and returns (exit status, stdout).
func runBinaryForOutput(_ arguments: [String]) throws -> (Int32, String) {
    try runBinary(arguments, stopAfter: nil, reading: \.standardOutput)
}

private func runBinary(_ arguments: [String], stopAfter seconds: Double?,
                       reading stream: ReferenceWritableKeyPath<Process, Any?>) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: hostBinary)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let pipe = Pipe()
    process[keyPath: stream] = pipe
    try process.run()
    if let seconds {
        usleep(UInt32(seconds * 1_000_000))
        process.terminate()  // SIGTERM
    }
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}
