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
        // Reaching here is the assertion (a crash would end the test run).
        print("replayed \(replayed) fuzz inputs")
    }

    /// The structure-aware mutator the fuzzer uses: chains of its mutations of the examples'
    /// requests must mostly get past the JSON parser (that is its point), and every answer to
    /// them must be a well-formed JSON-RPC message with a documented error code and a message.
    @Test func structureAwareMutationsReachValidationAndAreAnsweredWellFormed() throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("examples").path)
            .filter { $0.hasSuffix(".jsonl") }.sorted()
        var pool: [[UInt8]] = try examples.map { name in
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent("examples/\(name)"), encoding: .utf8)
            return Array(text.split(separator: "\n").prefix(3).joined(separator: "\n").utf8)
        }
        #expect(pool.count >= 5)
        let codes: Set<Int> = [-32700, -32600, -32601, -32602, -32603, -32001, -32002, -32003, -32004, -32005]
        var mutated = 0, answers = 0, pastParser = 0
        for round in 0..<1500 {
            let input = pool[round % pool.count]
            var buffer = input + [UInt8](repeating: 0, count: 4096)
            let size = buffer.withUnsafeMutableBufferPointer {
                FuzzEntry.mutate($0.baseAddress!, size: input.count, maxSize: $0.count, seed: UInt32(round))
            }
            guard let size else { continue }
            mutated += 1
            let next = Array(buffer[..<size])
            if round % 3 == 0 && next.count < 3000 { pool.append(next) }
            let lines = next.withUnsafeBytes { FuzzEntry.handle($0, reset: round % 100 == 0, collect: true) }
            // A batch is answered with an array of responses.
            let messages = try lines.flatMap { line -> [Any] in
                let value = try JSONSerialization.jsonObject(with: Data(line.utf8))
                return value as? [Any] ?? [value]
            }
            for item in messages {
                let line = "\(item)"
                let message = try #require(item as? [String: Any], "\(line)")
                #expect(message["jsonrpc"] as? String == "2.0", "\(line)")
                if message["method"] != nil { continue }  // a notification (metric, trial)
                answers += 1
                #expect((message["result"] == nil) != (message["error"] == nil), "\(line)")
                if let error = message["error"] as? [String: Any] {
                    let code = try #require(error["code"] as? Int, "\(line)")
                    #expect(codes.contains(code), "\(line)")
                    #expect(!((error["message"] as? String) ?? "").isEmpty, "\(line)")
                    if code != -32700 { pastParser += 1 }
                } else {
                    pastParser += 1
                }
            }
        }
        #expect(mutated > 1000)
        #expect(answers > 1000)
        // Byte-level mutation of JSON mostly breaks the syntax; these mutations mostly keep it.
        #expect(Double(pastParser) > 0.7 * Double(answers), "\(pastParser) of \(answers) answers got past the parser")
        print("mutator: \(mutated) inputs, \(answers) answers, \(pastParser) past the JSON parser")
    }
}
