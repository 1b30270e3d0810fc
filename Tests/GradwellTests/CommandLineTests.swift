import Foundation
import Testing

/// The command line is one table of commands and options: the usage PROTOCOL.md shows is the
/// binary's, options belong to their commands, and every refusal exits 2 with a reason.
@Suite struct CommandLineTests {
    @Test func theDocumentedUsageIsTheBinarys() throws {
        let document = try String(contentsOf: repositoryRoot.appendingPathComponent("plugins-spec/PROTOCOL.md"), encoding: .utf8)
        let (status, usage) = try runBinaryForOutput(["--help"])
        #expect(status == 0)
        #expect(document.contains("`gradwell --help` prints:\n\n```\n" + usage + "```"), "PROTOCOL.md §10 differs from `gradwell --help`")
    }

    @Test(arguments: [
        (["run", "f.jsonl", "--verify"], "--verify is an option of replay, not of run"),
        (["check", "-o", "x.html"], "-o is an option of report, not of check"),
        (["replay"], "replay takes LOG; got none"),
        (["run", "a.jsonl", "b.jsonl"], "run takes FILE.jsonl; got a.jsonl b.jsonl"),
        (["check", "extra"], "check takes no operands; got extra"),
        (["--threads"], "--threads needs N"),
        (["--threads", "0"], "--threads needs a positive integer, got '0'"),
        (["--threads=two"], "--threads needs a positive integer, got 'two'"),
        (["--verify=yes", "replay", "x"], "--verify takes no value"),
        (["--denormals", "sometimes"], "--denormals needs flush or keep, got 'sometimes'"),
        (["--kind", "layers", "check"], "--kind needs one of layer,"),
        (["--theads", "2"], "unknown option --theads; did you mean '--threads'?"),
        (["repaly", "x"], "unknown command repaly; did you mean 'replay'?"),
    ])
    func aBadCommandLineExitsTwoNamingWhy(_ arguments: [String], _ message: String) throws {
        let (status, text) = try runBinary(arguments)
        #expect(status == 2, "\(arguments)")
        #expect(text.hasPrefix("gradwell: " + message), "\(arguments): \(text.prefix(120))")
    }

    @Test func anOptionMayBeGivenWithItsValueAfterAnEqualsSign() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let host = try HostProcess(arguments: ["--data-root=\(directory.path)", "--max-epochs=7"])
        let limits = host.result("initialize")["limits"] as? [String: Any]
        #expect(limits?["max_epochs"] as? Int == 7)
        #expect(host.finish() == 0)
    }

    @Test func checkTakesItsOptionsInAnyOrder() throws {
        let (status, text) = try runBinaryForOutput(["--only", "adam", "check", "--kind=optimizer"])
        #expect(status == 0)
        #expect(text.hasSuffix("1 passed, 0 failed\n"), "\(text)")
    }
}
