import Foundation
import Testing

/// The course's experiments, run from the example files through the real host, must give the
/// course's figures.
@Suite struct ExperimentTests {
    /// Runs an example file and returns every response by id.
    func run(example: String) throws -> [Int: [String: Any]] {
        let host = try HostProcess()
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("examples/\(example)"), encoding: .utf8)
        var ids: [Int] = []
        for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            host.send(String(line))
            if let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let id = object["id"] as? Int {
                ids.append(id)
            }
        }
        var responses: [Int: [String: Any]] = [:]
        while responses.count < ids.count, let message = host.readMessage(timeout: 300) {
            if let id = message["id"] as? Int { responses[id] = message }
        }
        #expect(host.finish() == 0)
        return responses
    }

    func accuracy(_ response: [String: Any]?) -> Double? {
        (response?["result"] as? [String: Any])?["accuracy"] as? Double
    }

    @Test func initializationTableMatchesTheCourse() throws {
        let responses = try run(example: "initialization.jsonl")
        // (train request, evaluate train, evaluate test) ids and the course's figures.
        let expected: [(String, Int, Double, Double)] = [("zeros", 6, 0.5, 0.5), ("random x10", 10, 0.83, 0.86),
                                                         ("he", 14, 298.0 / 300.0, 0.96)]
        for (name, trainID, train, test) in expected {
            // Foundation's JSON reader may be off by an ulp; the host writes the exact ratio.
            #expect(abs((accuracy(responses[trainID]) ?? -1) - train) < 1e-12, "\(name) train")
            #expect(abs((accuracy(responses[trainID + 1]) ?? -1) - test) < 1e-12, "\(name) test")
        }
    }
}
