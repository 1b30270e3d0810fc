import Foundation
import Testing
@testable import GradwellBuiltins
import GradwellProtocols

/// Every builtin component against values computed independently by
/// `Tests/golden/components.py` (NumPy), stored in `components.json`.
@Suite struct GoldenTests {
    nonisolated(unsafe) static let golden: [String: Any] = {
        let url = repositoryRoot.appendingPathComponent("Tests/golden/components.json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    func matrix(_ value: Any?) -> Tensor<Double> {
        let rows = value as! [[Double]]
        return Tensor(rows: rows.count, columns: rows.first?.count ?? 0, storage: rows.flatMap { $0 })
    }

    func config(_ value: Any?) -> ConfigValue { configValue(value!) }

    func expectClose(_ actual: Tensor<Double>, _ expected: Tensor<Double>, tolerance: Double = 1e-12, _ what: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.rows == expected.rows && actual.columns == expected.columns, "\(what) shape", sourceLocation: sourceLocation)
        for (a, e) in zip(actual.storage, expected.storage) where abs(a - e) > tolerance * max(1, abs(e)) {
            Issue.record("\(what): \(a) != \(e)", sourceLocation: sourceLocation)
            return
        }
    }

    @Test(arguments: Activation.names)
    func denseForwardAndBackward(activation: String) throws {
        let dense = Self.golden["dense"] as! [String: Any]
        let expected = (dense["activations"] as! [String: Any])[activation] as! [String: Any]
        let layer = Dense<Double>(weights: matrix(dense["W"]), bias: matrix(dense["b"]),
                                  activation: Activation(name: activation, slope: dense["negative_slope"] as! Double)!)
        let x = matrix(dense["X"])
        var output = Tensor<Double>()
        layer.forward(x, into: &output, mode: .training)
        expectClose(output, matrix(expected["A"]), "\(activation) A")
        var inputGradient = Tensor<Double>()
        layer.backward(input: x, output: output, outputGradient: matrix(dense["dA"]), inputGradient: &inputGradient,
                       computeInputGradient: true)
        expectClose(layer.weights.gradient, matrix(expected["dW"]), "\(activation) dW")
        expectClose(layer.bias!.gradient, matrix(expected["db"]), "\(activation) db")
        expectClose(inputGradient, matrix(expected["dX"]), "\(activation) dX")
    }

    @Test func losses() throws {
        let losses = Self.golden["losses"] as! [String: [[String: Any]]]
        for (name, cases) in losses {
            let loss = try Registry.builtins.makeLoss(try Registry.builtins.resolve(.string(name), kind: .loss, path: "loss"))
            for testCase in cases {
                let output = matrix(testCase["z"] ?? testCase["a"])
                let targets: Tensor<Double>
                if let labels = testCase["labels"] as? [Int] {
                    targets = Tensor(rows: labels.count, columns: 1, storage: labels.map(Double.init))
                } else {
                    targets = matrix(testCase["y"])
                }
                let cost = loss.cost(output: output, targets: targets)
                let expected = testCase["cost"] as! Double
                #expect(abs(cost - expected) <= 1e-12 * max(1, abs(expected)), "\(name) \(testCase["name"]!) cost \(cost) vs \(expected)")
                var gradient = Tensor<Double>()
                loss.gradient(output: output, targets: targets, into: &gradient)
                expectClose(gradient, matrix(testCase["grad"]), tolerance: 1e-12, "\(name) \(testCase["name"]!) gradient")
            }
        }
    }

    @Test func regularizers() throws {
        let golden = Self.golden["regularizers"] as! [String: Any]
        let weights = matrix(golden["W"])
        let examples = golden["m"] as! Int
        for testCase in golden["cases"] as! [[String: Any]] {
            let resolved = try Registry.builtins.resolve(config(testCase["config"]), kind: .regularizer, path: "r")
            let regularizer = try Registry.builtins.makeRegularizer(resolved)
            let expected = testCase["cost"] as! Double
            #expect(abs(regularizer.cost(weights, examples: examples) - expected) <= 1e-12 * max(1, expected), "\(resolved.type) cost")
            var gradient = Tensor<Double>(rows: weights.rows, columns: weights.columns)
            regularizer.addGradient(weights, examples: examples, to: &gradient)
            expectClose(gradient, matrix(testCase["grad"]), "\(resolved.type) gradient")
        }
    }

    @Test func batchNormTrainingAndInference() throws {
        let golden = Self.golden["batchnorm"] as! [String: Any]
        let resolved = try Registry.builtins.resolve(config(golden["config"]), kind: .layer, path: "bn")
        let x = matrix(golden["x"])
        var context = LayerContext(inputUnits: x.columns, index: 0, initialization: .make(.gradwell, seed: 0),
                                   ownStream: .make(.gradwell, seed: 1), registry: .builtins)
        let layer = try BatchNormDefinition.make(config: resolved, context: &context, as: Double.self) as! BatchNorm<Double>
        layer.gamma.value = matrix(golden["gamma"])
        layer.beta.value = matrix(golden["beta"])
        var output = Tensor<Double>()
        layer.forward(x, into: &output, mode: .training)
        expectClose(output, matrix(golden["y"]), "y")
        var dx = Tensor<Double>()
        layer.backward(input: x, output: output, outputGradient: matrix(golden["dy"]), inputGradient: &dx, computeInputGradient: true)
        expectClose(layer.gamma.gradient, matrix(golden["dgamma"]), "dgamma")
        expectClose(layer.beta.gradient, matrix(golden["dbeta"]), "dbeta")
        expectClose(dx, matrix(golden["dx"]), tolerance: 1e-10, "dx")
        expectClose(Tensor(rows: 1, columns: x.columns, storage: layer.runningMean), matrix(golden["running_mean"]), "running mean")
        expectClose(Tensor(rows: 1, columns: x.columns, storage: layer.runningVariance), matrix(golden["running_var"]), "running var")
        layer.forward(x, into: &output, mode: .inference)
        expectClose(output, matrix(golden["y_inference"]), tolerance: 1e-10, "inference y")
    }

    @Test func optimizersFirstSteps() throws {
        let golden = Self.golden["optimizers"] as! [String: Any]
        let gradients = (golden["gradients"] as! [Any]).map { matrix($0) }
        for testCase in golden["cases"] as! [[String: Any]] {
            let resolved = try Registry.builtins.resolve(config(testCase["config"]), kind: .optimizer, path: "o")
            let optimizer = try Registry.builtins.makeOptimizer(resolved)
            var theta = matrix(golden["theta0"])
            var state = optimizer.initialState(for: theta)
            for (index, step) in (testCase["steps"] as! [[String: Any]]).enumerated() {
                optimizer.update(&theta, gradient: gradients[index], state: &state, step: index + 1, learningRate: resolved.double("lr"))
                expectClose(theta, matrix(step["theta"]), "\(testCase["name"]!) θ after step \(index + 1)")
                if let slots = step["state"] as? [String: Any] {
                    for (slot, value) in slots {
                        let position = try #require(optimizer.slots.firstIndex { $0.name == slot }, "\(testCase["name"]!) has slot \(slot)")
                        expectClose(state[position], matrix(value), "\(testCase["name"]!) \(slot) after step \(index + 1)")
                    }
                }
            }
        }
    }

    @Test func schedules() throws {
        let golden = Self.golden["schedules"] as! [String: Any]
        let base = golden["lr0"] as! Double, total = golden["total_epochs"] as! Int
        let epochs = golden["epochs"] as! [Int]
        for testCase in golden["cases"] as! [[String: Any]] {
            let resolved = try Registry.builtins.resolve(config(testCase["config"]), kind: .schedule, path: "s")
            let schedule = try Registry.builtins.makeSchedule(resolved)
            for (epoch, expected) in zip(epochs, testCase["lr"] as! [Double]) {
                let rate = schedule.learningRate(base: base, epoch: epoch, totalEpochs: total)
                #expect(abs(rate - expected) <= 1e-12 * expected, "\(resolved.type) epoch \(epoch): \(rate) vs \(expected)")
            }
        }
    }
}

/// A Foundation JSON value as a config value (the test's own conversion, not the host's).
func configValue(_ value: Any) -> ConfigValue {
    switch value {
    case let number as NSNumber where String(cString: number.objCType) == "c": return .bool(number.boolValue)
    case let number as NSNumber where String(cString: number.objCType) == "d": return .number(number.doubleValue)
    case let number as NSNumber: return .int(number.intValue)
    case let text as String: return .string(text)
    case let items as [Any]: return .array(items.map(configValue))
    case let object as [String: Any]: return .object(object.keys.sorted().map { ConfigEntry(key: $0, value: configValue(object[$0]!)) })
    default: return .null
    }
}
