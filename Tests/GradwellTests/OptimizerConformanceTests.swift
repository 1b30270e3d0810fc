import Foundation
import Testing
@testable import GradwellBuiltins
import GradwellProtocols

/// `gradwell check` must fail optimizers that train wrongly in ways a falling cost hides.
@Suite struct OptimizerConformanceTests {
    /// Adam whose moments are computed into a copy of the state and lost.
    struct ForgetfulAdam: Optimizer {
        static let name = "forgetful_adam"
        static let defaultLearningRate = 0.001
        static let parameters: [ParameterSpec] = []
        let slots = [StateSlot("m"), StateSlot("v")]
        init(config: ResolvedConfig) {}
        func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>], step: Int, learningRate: Double) {
            var m = state[0], v = state[1]
            let c1 = T(1 / (1 - pow(0.9, Double(step)))), c2 = T(1 / (1 - pow(0.999, Double(step))))
            for i in 0..<parameter.count {
                let g = gradient.storage[i]
                m.storage[i] = T(0.9) * m.storage[i] + T(0.1) * g
                v.storage[i] = T(0.999) * v.storage[i] + T(0.001) * g * g
                parameter.storage[i] -= T(learningRate) * m.storage[i] * c1 / ((v.storage[i] * c2).squareRoot() + T(1e-8))
            }
        }
    }

    /// Adam with the bias correction one step late, but a reference trajectory from the paper.
    struct LateAdam: Optimizer {
        static let name = "late_adam"
        static let defaultLearningRate = 0.001
        static let parameters: [ParameterSpec] = []
        static var references: [OptimizerReference] { Adam.references.prefix(1).map { reference in
            var copy = reference
            copy.config = [ConfigEntry(key: "lr", value: .number(0.1))]
            return copy
        } }
        let slots = [StateSlot("m"), StateSlot("v")]
        init(config: ResolvedConfig) {}
        func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>], step: Int, learningRate: Double) {
            let c1 = T(1 / (1 - pow(0.9, Double(step + 1)))), c2 = T(1 / (1 - pow(0.999, Double(step + 1))))
            for i in 0..<parameter.count {
                let g = gradient.storage[i]
                state[0].storage[i] = T(0.9) * state[0].storage[i] + T(0.1) * g
                state[1].storage[i] = T(0.999) * state[1].storage[i] + T(0.001) * g * g
                parameter.storage[i] -= T(learningRate) * state[0].storage[i] * c1 / ((state[1].storage[i] * c2).squareRoot() + T(1e-8))
            }
        }
    }

    func report(_ name: String) throws -> Conformance.ComponentReport {
        let registry = try Registry.builtins.adding(optimizers: [ForgetfulAdam.self, LateAdam.self], origin: "test")
        return try #require(Conformance.run(registry) { kind, component in kind == .optimizer && component == name }.first)
    }

    @Test func anOptimizerThatLosesItsMomentumFails() throws {
        let report = try report("forgetful_adam")
        #expect(!report.passed)
        let check = try #require(report.checks.first { $0.name == "state kept" })
        #expect(!check.passed && check.detail.contains("'m', 'v'"))
    }

    @Test func anOffByOneBiasCorrectionFailsItsReferenceTrajectory() throws {
        let report = try report("late_adam")
        #expect(!report.passed)
        let check = try #require(report.checks.first { $0.name == "reference trajectory" })
        #expect(!check.passed && check.detail.hasPrefix("step 1, element 0"), "\(check.detail)")
        #expect(report.checks.first { $0.name == "state kept" }?.passed == true)
    }

    @Test func everyBuiltinOptimizerMatchesItsTorchReference() throws {
        for report in Conformance.run(.builtins, include: { kind, _ in kind == .optimizer }) {
            let references = report.checks.filter { $0.name.hasPrefix("reference trajectory") }
            #expect(!references.isEmpty, "\(report.name) has no reference trajectory")
            let failed = references.filter { !$0.passed }.map(\.detail)
            #expect(failed.isEmpty, "\(report.name): \(failed)")
        }
    }
}
