import Foundation
import Testing

/// What the host says about the machine it computes on, and the BLAS kernel it chooses.
@Suite struct MachineTests {
    /// The environment without a user's OPENBLAS_CORETYPE (or a restart's marks), plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_CORETYPE", "GRADWELL_OPENBLAS_DETECTED", "GRADWELL_OPENBLAS_PRETEND"] { environment[key] = nil }
        return environment.merging(extra) { $1 }
    }

    static let levels = ["baseline", "avx", "avx2", "avx512", "amx"]

    /// The instruction-set level of an OpenBLAS core's kernels.
    static func level(ofCore core: String) -> String {
        switch core.lowercased() {
        case "sapphirerapids", "cooperlake", "skylakex": "avx512"
        case "haswell", "zen", "excavator": "avx2"
        case "sandybridge", "bulldozer", "piledriver", "steamroller": "avx"
        default: "baseline"
        }
    }

    static func machine(_ environment: [String: String]) throws -> [String: Any] {
        let host = try HostProcess(environment: environment)
        let machine = try #require(host.result("initialize")["machine"] as? [String: Any])
        #expect(host.finish() == 0)
        return machine
    }

    @Test func initializeNamesCPUISABLASCoreAndKernels() throws {
        let machine = try Self.machine(Self.environment())
        let isa = try #require(machine["isa"] as? String)
        #expect(Self.levels.contains(isa))
        let blas = try #require(machine["blas"] as? [String: Any])
        #expect(blas["library"] as? String == "OpenBLAS")
        #expect((blas["version"] as? String)?.first?.isNumber == true)
        #expect(["openblas", "gradwell"].contains(blas["core_source"] as? String))
        #expect(["avx512", "avx2", "baseline"].contains(machine["kernels"] as? String))
        #expect(machine["cpu"] is String)
    }

    /// A CPU with AVX2 (or more) never runs a pre-AVX2 OpenBLAS core, out of the box.
    @Test func aCapableCPUNeverRunsGenericKernels() throws {
        let machine = try Self.machine(Self.environment())
        let isa = try #require(machine["isa"] as? String)
        let core = try #require((machine["blas"] as? [String: Any])?["core"] as? String)
        let cpuLevel = Self.levels.firstIndex(of: isa == "amx" ? "avx512" : isa)!
        let coreLevel = Self.levels.firstIndex(of: Self.level(ofCore: core))!
        #expect(coreLevel >= min(cpuLevel, Self.levels.firstIndex(of: "avx512")!),
                "the CPU runs \(isa) but OpenBLAS runs the \(core) core")
    }

    /// When OpenBLAS picks an older core than the CPU runs (here pretended), the host restarts
    /// itself with OPENBLAS_CORETYPE set, and says who chose what.
    @Test func anOlderDetectedCoreIsReplacedByTheBest() throws {
        let machine = try Self.machine(Self.environment(["GRADWELL_OPENBLAS_PRETEND": "Prescott"]))
        let blas = try #require(machine["blas"] as? [String: Any])
        let isa = try #require(machine["isa"] as? String)
        guard isa != "baseline" else { return }  // nothing better to choose on such a CPU
        #expect(blas["core_detected"] as? String == "Prescott")
        #expect(blas["core_source"] as? String == "gradwell")
        #expect(Self.level(ofCore: blas["core"] as? String ?? "") != "baseline")
    }

    /// A user's own OPENBLAS_CORETYPE wins over the host's choice.
    @Test func theUsersCoreTypeWins() throws {
        let machine = try Self.machine(Self.environment(["OPENBLAS_CORETYPE": "Prescott"]))
        let blas = try #require(machine["blas"] as? [String: Any])
        #expect(blas["core"] as? String == "Prescott")
        #expect(blas["core_source"] as? String == "user")
    }

    @Test func versionNamesTheMachine() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: hostBinary)
        process.arguments = ["--version"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("gradwell 0.1.0 (protocol 1)"))
        #expect(text.contains("machine: ") && text.contains("OpenBLAS") && text.contains("core ") && text.contains("element-wise kernels"))
    }
}
