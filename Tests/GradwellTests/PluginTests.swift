import Foundation
import Testing
import GradwellProtocols

/// Builds an example package in release mode once per run (or takes the path from `variable`).
func exampleProduct(_ variable: String, package: String, product: String, file: String) -> String {
    if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty { return path }
    let directory = repositoryRoot.appendingPathComponent(package).path
    let build = Process()
    build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    build.arguments = ["swift", "build", "--package-path", directory, "-c", "release", "--product", product]
    build.standardOutput = FileHandle.standardError
    try! build.run()
    build.waitUntilExit()
    precondition(build.terminationStatus == 0, "building \(package) failed")
    return "\(directory)/.build/release/\(file)"
}

let lionPlugin = exampleProduct("GRADWELL_PLUGIN_LION", package: "examples/plugins/RuntimePlugin", product: "LionPlugin",
                                file: "libLionPlugin.so")
let customHost = exampleProduct("GRADWELL_CUSTOM_HOST", package: "examples/plugins/CustomHost", product: "CustomHost",
                                file: "CustomHost")

/// Both ways in for plugins, through real binaries: a run-time plugin loaded by `gradwell`,
/// and a user's host with compiled-in components.
@Suite(.serialized) struct PluginTests {
    func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, out, err)
    }

    func trainsWith(_ host: HostProcess, optimizer: [String: Any], layers: [[String: Any]] = [dense(8), dense(1, "sigmoid")]) -> [String: Any] {
        host.result("dataset/generate", ["name": "d", "generator": "moons", "n": 200, "seed": 1])
        host.result("model/create", ["name": "m", "input": 2, "layers": layers, "seed": 1])
        let before = host.result("evaluate", ["model": "m", "data": "d"])
        let after = host.result("train", ["model": "m", "data": "d", "epochs": 100, "batch_size": 50, "optimizer": optimizer])
        #expect((after["cost"] as? Double ?? 9) < (before["cost"] as? Double ?? 0), "\(optimizer) lowers the cost")
        return after
    }

    @Test func aRunTimePluginIsListedAndUsedLikeABuiltin() throws {
        let host = try HostProcess(arguments: ["--plugin", lionPlugin])
        let registry = host.result("registry/list")
        let lion = try #require((registry["optimizers"] as? [[String: Any]])?.first { $0["type"] as? String == "lion" })
        #expect(lion["origin"] as? String == "plugin libLionPlugin.so")
        #expect(((lion["params"] as? [String: Any])?["beta2"] as? [String: Any])?["default"] as? Double == 0.99)
        _ = trainsWith(host, optimizer: ["type": "lion", "lr": 0.003])
        let bad = host.call("train", ["model": "m", "data": "d", "optimizer": ["type": "lion", "beta1": 2]])
        #expect(codeOf(bad) == -32602)
        #expect(dataOf(bad)["path"] as? String == "params.optimizer.beta1")
    }

    @Test func pluginsComeFromTheEnvironmentToo() throws {
        let host = try HostProcess(environment: ProcessInfo.processInfo.environment.merging(["GRADWELL_PLUGINS": lionPlugin]) { $1 })
        let optimizers = (host.result("registry/list")["optimizers"] as? [[String: Any]])?.compactMap { $0["type"] as? String } ?? []
        #expect(optimizers.contains("lion"))
    }

    @Test func theConformanceCheckCoversPlugins() throws {
        let (status, output, _) = try run(hostBinary, ["check", "--plugin", lionPlugin])
        #expect(status == 0, "\(output)")
        #expect(output.contains("ok   optimizer lion (plugin libLionPlugin.so)"))
        #expect(output.contains("resume from saved state: 20 epochs, saved, restored, 20 more: bit-identical"), "\(output)")
        #expect(output.contains("learning rate: a step at lr/2 differs"), "\(output)")
        let host = try HostProcess(arguments: ["--plugin", lionPlugin])
        let report = host.result("registry/check", ["type": "lion"])
        #expect(report["passed"] as? Bool == true)
        #expect((report["components"] as? [Any])?.count == 1)
    }

    @Test func badPluginsStopTheHostWithAClearMessage() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func compile(_ name: String, _ source: String) throws -> String {
            let c = directory.appendingPathComponent("\(name).c").path, library = directory.appendingPathComponent("lib\(name).so").path
            try source.write(toFile: c, atomically: true, encoding: .utf8)
            let (status, _, errors) = try run("/usr/bin/cc", ["-shared", "-fPIC", "-o", library, c])
            try #require(status == 0, "cc: \(errors)")
            return library
        }
        let version = PluginABI.version
        let otherVersion = try compile("future", "int gradwell_plugin_abi_version(void) { return \(version + 1); }\nint gradwell_plugin_register(void *r) { return 0; }\n")
        let failing = try compile("failing", "int gradwell_plugin_abi_version(void) { return \(version); }\nint gradwell_plugin_register(void *r) { return 3; }\n")
        let unrelated = try compile("unrelated", "int answer(void) { return 42; }\n")
        let notALibrary = directory.appendingPathComponent("text.so").path
        try "not a library".write(toFile: notALibrary, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--plugin", directory.appendingPathComponent("missing.so").path], "no such plugin library"),
            (["--plugin", notALibrary], "not a loadable shared library"),
            (["--plugin", unrelated], "does not export gradwell_plugin_abi_version"),
            (["--plugin", otherVersion], "built against plugin ABI \(version + 1); this host speaks \(version)"),
            (["--plugin", failing], "registration failed"),
            (["--plugin", lionPlugin, "--plugin", lionPlugin], "clashes with the one from plugin libLionPlugin.so"),
        ]
        for (arguments, message) in cases {
            let (status, _, errors) = try run(hostBinary, arguments)
            #expect(status == 2, "\(arguments)")
            #expect(errors.contains(message), "\(arguments): \(errors)")
        }
    }

    @Test func aCustomHostServesItsCompiledInComponents() throws {
        let host = try HostProcess(executable: customHost)
        let registry = host.result("registry/list")
        let optimizer = (registry["optimizers"] as? [[String: Any]])?.first { $0["type"] as? String == "adabelief" }
        let layer = (registry["layers"] as? [[String: Any]])?.first { $0["type"] as? String == "gaussian_noise" }
        #expect(optimizer?["origin"] as? String == "custom-host")
        #expect(layer?["origin"] as? String == "custom-host")
        _ = trainsWith(host, optimizer: ["type": "adabelief", "lr": 0.01],
                       layers: [dense(8), ["type": "gaussian_noise", "stddev": 0.05], dense(1, "sigmoid")])
        let (status, output, _) = try run(customHost, ["check"])
        #expect(status == 0, "\(output)")
    }

    /// `--plugin libLionPlugin.so`, a bare name, is the file in the current directory (dlopen
    /// alone would search the loader's paths and fail, or load another library of that name).
    @Test func aBareLibraryNameIsTheFileInTheCurrentDirectory() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: hostBinary)
        let library = URL(fileURLWithPath: lionPlugin)
        process.currentDirectoryURL = library.deletingLastPathComponent()
        process.arguments = ["check", "--plugin", library.lastPathComponent]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("optimizer lion (plugin \(library.lastPathComponent))"), "\(text)")
    }

    @Test func theContractsExampleIsTheCompiledSource() throws {
        let document = try String(contentsOf: repositoryRoot.appendingPathComponent("plugins-spec/PLUGINS.md"), encoding: .utf8)
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("examples/plugins/RuntimePlugin/Sources/LionPlugin/Lion.swift"),
                                encoding: .utf8)
        #expect(document.contains("```swift\n" + source + "```"))
        #expect(source.split(separator: "\n").count <= 35)
    }
}
