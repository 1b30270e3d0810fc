import Foundation
import Testing

/// Nicolas Seriot's JSONTestSuite (MIT; copied under Tests/GradwellTests/Data), each text fed
/// to the real host as one line: `y_` texts are valid JSON but not requests (-32600, an array
/// answered as a JSON-RPC batch), `n_` texts are parse errors (-32700, id null), `i_` texts
/// may be either; the host answers `initialize` after every one.
@Suite struct JSONTestSuiteTests {
    @Test func everySingleLineCaseIsAnsweredAsTheContractSays() throws {
        let folder = repositoryRoot.appendingPathComponent("Tests/GradwellTests/Data/jsontestsuite/test_parsing")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count == 318)
        let host = try HostProcess()
        var checked = 0
        for (index, name) in names.enumerated() {
            var bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
            if bytes.contains(10) || bytes.contains(13) { continue }  // cannot be one line
            let blank = bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
            bytes.append(10)
            host.sendRaw(bytes)
            // A probe after each case: everything before its answer is the case's answer.
            let probe = 900_000 + index
            host.send("{\"jsonrpc\":\"2.0\",\"id\":\(probe),\"method\":\"initialize\"}")
            var answers: [String] = []
            while let line = host.readLine(timeout: 30) {
                if line.contains("\"id\":\(probe)") { break }
                answers.append(line)
            }
            checked += 1
            if blank {
                #expect(answers.isEmpty, "\(name): a blank line gets no answer")
                continue
            }
            try #require(answers.count == 1, "\(name): expected one answer, got \(answers)")
            let answer = try JSONSerialization.jsonObject(with: Data(answers[0].utf8))
            let codes: [Int]
            if let batch = answer as? [[String: Any]] {
                codes = batch.compactMap { codeOf($0) }
                #expect(codes.count == batch.count, "\(name): every batch member is an error")
            } else {
                let response = answer as? [String: Any] ?? [:]
                codes = codeOf(response).map { [$0] } ?? []
                if codes == [-32700] { #expect(response["id"] is NSNull, "\(name): parse errors have id null") }
            }
            switch name.first {
            case "y": #expect(!codes.isEmpty && codes.allSatisfy { $0 == -32600 }, "\(name): \(answers[0])")
            case "n": #expect(codes == [-32700], "\(name): \(answers[0])")
            default: #expect(!codes.isEmpty && codes.allSatisfy { $0 == -32600 || $0 == -32700 }, "\(name): \(answers[0])")
            }
        }
        #expect(checked > 250)
        #expect(host.stillServes())
        #expect(host.finish() == 0)
    }
}
