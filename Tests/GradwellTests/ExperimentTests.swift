import Foundation
import Testing

/// The course's experiments, run from the example files through the real host, must give the
/// course's figures, and every figure the README prints. Figures that the BLAS kernel can move
/// (a float64 product's last bits change a long training's path: dropout, batch norm, float32
/// digits, a gradient check's rounding) are pinned with the tolerance the README states beside
/// them; the others exactly.
@Suite struct ExperimentTests {
    /// `got` is `expected` give or take `tolerance` (correct answers, or a number).
    func near<T: Numeric & Comparable>(_ got: T?, _ expected: T, _ tolerance: T) -> Bool {
        guard let got else { return false }
        return got >= expected - tolerance && got <= expected + tolerance
    }

    /// Runs an example file and returns every response by id.
    func run(example: String) throws -> [Int: [String: Any]] {
        let host = try HostProcess(currentDirectory: repositoryRoot)
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

    func result(_ response: [String: Any]?) -> [String: Any] {
        (response?["result"] as? [String: Any]) ?? [:]
    }

    /// Accuracy as a count of right answers out of `n`, immune to an ulp in the JSON reader.
    func correct(_ response: [String: Any]?, of n: Int) -> Int? {
        accuracy(response).map { Int(($0 * Double(n)).rounded()) }
    }

    @Test func regularizationLowersTheGapAndRaisesTestAccuracy() throws {
        let r = try run(example: "regularization.jsonl")
        // ids: 3 create, 4 train, 5 evaluate train, 6 evaluate test; then 7-10 (l2) and 11-14 (dropout).
        #expect(correct(r[5], of: 211) == 205, "plain train 97.2% as NumPy")
        #expect(correct(r[6], of: 200) == 181, "plain test 90.5% as NumPy")
        #expect(correct(r[9], of: 211) == 197, "L2 train 93.4% as NumPy")
        #expect(correct(r[10], of: 200) == 186, "L2 test 93.0% as NumPy")
        // README: dropout 0.9573 (202/211) train, 0.9350 (187/200) test, ± 2 examples across kernels.
        #expect(near(correct(r[13], of: 211), 202, 2), "dropout train \(accuracy(r[13]) ?? -1)")
        #expect(near(correct(r[14], of: 200), 187, 2), "dropout test \(accuracy(r[14]) ?? -1)")
        let plainGap = accuracy(r[5])! - accuracy(r[6])!
        for (name, train, test) in [("l2", 9, 10), ("dropout", 13, 14)] {
            #expect(accuracy(r[test])! > accuracy(r[6])!, "\(name) raises test accuracy")
            #expect(accuracy(r[train])! - accuracy(r[test])! < plainGap, "\(name) narrows the gap")
        }
    }

    @Test func optimizationTableMatchesTheCourse() throws {
        let r = try run(example: "optimization.jsonl")
        // Train ids 3, 5, ...: gd, momentum, adam (5000 epochs), gd 10000, then the step-decay runs.
        let expected = [215, 215, 283, 239, 284, 286, 280]  // of 300, from Tests/golden/course_optimization.py
        for (index, count) in expected.enumerated() {
            #expect(correct(r[3 + 2 * index], of: 300) == count, "run \(index)")
        }
        #expect(result(r[3])["steps"] as? Int == 5000 * 5, "300 rows in batches of 64: 5 steps an epoch")
    }

    @Test func gradientCheckPasses() throws {
        let r = try run(example: "gradient_checking.jsonl")
        for id in [3, 4] {
            #expect(result(r[id])["passed"] as? Bool == true)
            #expect((result(r[id])["difference"] as? Double ?? 1) < 1e-8)
        }
        // README: 8.6e-10 and 1.0e-9; rounding in the products moves them by tens of percent.
        #expect(near(result(r[3])["difference"] as? Double, 8.6e-10, 4e-10))
        #expect(near(result(r[4])["difference"] as? Double, 1.0e-9, 4e-10))
    }

    @Test func batchNormRescuesADeepSigmoidNetwork() throws {
        let r = try run(example: "batchnorm.jsonl")
        #expect(accuracy(r[3])! < 0.5, "plain: stuck near chance")
        #expect(accuracy(r[5])! > 0.9, "with batch norm")
        // README: plain 0.333 (cost 1.10), with batch norm 0.962 (577/600, ± 6 across kernels).
        #expect(correct(r[3], of: 600) == 200)
        #expect(near(result(r[3])["cost"] as? Double, 1.10, 0.005))
        #expect(near(correct(r[5], of: 600), 577, 6), "batch norm \(accuracy(r[5]) ?? -1)")
    }

    @Test func randomSearchBeatsGridSearchWithTheSameBudget() throws {
        let r = try run(example: "search.jsonl")
        func best(_ id: Int) -> Double { ((result(r[id])["best"] as? [String: Any])?["objective"] as? Double) ?? 0 }
        #expect((result(r[1])["trials"] as? [Any])?.count == 9)
        #expect((result(r[2])["trials"] as? [Any])?.count == 9)
        #expect(best(2) > best(1), "random \(best(2)) vs grid \(best(1))")
        #expect(best(3) >= best(2), "a refining round keeps or improves the best")
    }

    @Test func digitsFromCSVReach95Percent() throws {
        let r = try run(example: "digits.jsonl")
        #expect(result(r[1])["n"] as? Int == 1797)
        #expect(accuracy(r[7])! >= 0.95)
        // README: 0.9805 (352/359), ± 3 examples across kernels (float32).
        #expect(near(correct(r[7], of: 359), 352, 3), "digits \(accuracy(r[7]) ?? -1)")
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
