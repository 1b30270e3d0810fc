import Foundation
import Testing
@testable import GradwellBuiltins
import GradwellProtocols

/// The optimizer contract: state slots with their initial values, the learning rate given by
/// the registry and passed to `update`, and presets for the variants (AdamW, Nesterov).
@Suite struct OptimizerContractTests {
    /// signSGD (Bernstein et al. 2018), written as a user would: this struct and one registry line.
    struct SignSGD: Optimizer {
        static let name = "sign_sgd"
        static let defaultLearningRate = 0.05
        static let parameters: [ParameterSpec] = [.number("momentum", default: 0.5, min: 0, max: 1, exclusiveMax: true)]
        let slots = [StateSlot("v", initial: 0)]
        let beta: Double
        init(config: ResolvedConfig) { beta = config.double("momentum") }
        func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>], step: Int, learningRate: Double) {
            for i in 0..<parameter.count {
                state[0].storage[i] = T(beta) * state[0].storage[i] + (1 - T(beta)) * gradient.storage[i]
                let v = state[0].storage[i]
                parameter.storage[i] -= T(learningRate) * (v > 0 ? 1 : v < 0 ? -1 : 0)
            }
        }
    }

    struct DeclaresItsOwnRate: Optimizer {
        static let name = "own_rate"
        static let defaultLearningRate = 0.1
        static let parameters: [ParameterSpec] = [.number("lr", default: 0.1, min: 0)]
        let slots: [StateSlot] = []
        init(config: ResolvedConfig) {}
        func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>], step: Int, learningRate: Double) {}
    }

    @Test func aNewOptimizerIsOneTypeAndOneRegistryLine() throws {
        let registry = try Registry.builtins.adding(optimizers: [SignSGD.self], origin: "test")
        let entry = try #require(registry.entry(.optimizer, "sign_sgd"))
        #expect(entry.parameters.map(\.name) == ["lr", "momentum"])
        #expect(try registry.resolve("sign_sgd", kind: .optimizer, path: "o").double("lr") == 0.05)
        let report = try #require(Conformance.run(registry) { kind, name in kind == .optimizer && name == "sign_sgd" }.first)
        #expect(report.passed, "\(report.checks.filter { !$0.passed })")
    }

    @Test func theRegistryGivesEveryOptimizerItsLearningRate() throws {
        for entry in Registry.builtins.entries[.optimizer] ?? [] {
            let lr = try #require(entry.parameters.first, "\(entry.name)")
            #expect(lr.name == "lr" && lr.minimum == 0 && lr.exclusiveMinimum, "\(entry.name)")
            let type = try #require(Registry.builtins.optimizerType(entry.name))
            #expect(lr.defaultValue?.doubleValue == type.defaultLearningRate, "\(entry.name)")
        }
        #expect(throws: GradwellError.self) { try Registry.builtins.adding(optimizers: [DeclaresItsOwnRate.self], origin: "test") }
        do {
            _ = try Registry.builtins.adding(optimizers: [DeclaresItsOwnRate.self], origin: "test")
        } catch let error as GradwellError {
            #expect(error.message.contains("defaultLearningRate"), "\(error.message)")
        }
    }

    @Test func anOptimizerIsBuiltWithoutItsLearningRate() throws {
        let config = try Registry.builtins.resolve(.object(["type": "adam", "lr": 0.02]), kind: .optimizer, path: "o")
        #expect(config.double("lr") == 0.02)
        #expect(!config.removing("lr").values.contains { $0.name == "lr" })
        _ = try Registry.builtins.makeOptimizer(config)  // Adam's init would trap reading an undeclared name.
    }

    /// A preset resolves to its own name with the base's schema and its defaults, and steps
    /// exactly as the base given those settings.
    @Test(arguments: [("adamw", ["type": "adam", "decoupled_weight_decay": true, "weight_decay": 0.01] as [String: ConfigValue]),
                      ("nesterov", ["type": "momentum", "nesterov": true])])
    func aPresetIsItsBaseWithOtherDefaults(preset: String, base: [String: ConfigValue]) throws {
        let registry = Registry.builtins
        let entry = try #require(registry.entry(.optimizer, preset))
        #expect(entry.base == base["type"]?.stringValue)
        let presetConfig = try registry.resolve(.string(preset), kind: .optimizer, path: "o")
        #expect(presetConfig.type == preset)
        let baseConfig = try registry.resolve(.object(base.sorted { $0.key < $1.key }.map { ConfigEntry(key: $0.key, value: $0.value) }),
                                              kind: .optimizer, path: "o")
        var a = Tensor<Double>(rows: 1, columns: 3, storage: [0.5, -1, 2]), b = a
        let first = try registry.makeOptimizer(presetConfig), second = try registry.makeOptimizer(baseConfig)
        var stateA = first.initialState(for: a), stateB = second.initialState(for: b)
        for step in 1...4 {
            let g = Tensor<Double>(rows: 1, columns: 3, storage: [0.1 * Double(step), -0.2, 0.3])
            first.update(&a, gradient: g, state: &stateA, step: step, learningRate: 0.1)
            second.update(&b, gradient: g, state: &stateB, step: step, learningRate: 0.1)
        }
        #expect(a.storage == b.storage && a.storage != [0.5, -1, 2])
    }

    @Test func presetsAreCheckedWhenRegistered() throws {
        let cases: [(Preset, String)] = [
            (Preset(.optimizer, "x", of: "missing", defaults: [:], ""), "'missing', which is not registered"),
            (Preset(.optimizer, "x", of: "adam", defaults: ["beta3": 0.5], ""), "sets 'beta3', which 'adam' does not have"),
            (Preset(.optimizer, "x", of: "adam", defaults: ["beta1": 1.5], ""), "x.beta1"),
            (Preset(.optimizer, "adamw", of: "adam", defaults: [:], ""), "clashes with the one from builtin"),
        ]
        for (preset, message) in cases {
            do {
                _ = try Registry.builtins.adding(presets: [preset], origin: "test")
                Issue.record("\(preset.name) of \(preset.base) was accepted")
            } catch let error as GradwellError {
                #expect(error.message.contains(message), "\(error.message)")
            }
        }
    }

    @Test func slotsStartAtTheirInitialValue() throws {
        let config = try Registry.builtins.resolve(.object(["type": "adagrad", "initial_accumulator": 0.25]), kind: .optimizer, path: "o")
        let state = try Registry.builtins.makeOptimizer(config).initialState(for: Tensor<Float>(rows: 2, columns: 3))
        #expect(state.count == 1 && state[0].storage == [Float](repeating: 0.25, count: 6))
    }
}
