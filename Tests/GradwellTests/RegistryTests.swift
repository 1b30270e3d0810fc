import Foundation
import Testing
@testable import GradwellBuiltins
import GradwellProtocols

/// The registry as a whole: every component's config survives a round trip, initializers
/// have their documented variance, and every differentiable component passes a gradient check.
@Suite struct RegistryTests {
    /// A config for `entry` with every required parameter filled in.
    func minimalConfig(_ entry: Registry.Entry) -> ConfigValue {
        var members = [ConfigEntry(key: "type", value: .string(entry.name))]
        for spec in entry.parameters where spec.defaultValue == nil {
            switch spec.kind {
            case .integer, .integers: members.append(ConfigEntry(key: spec.name, value: .int(3)))
            case .string(let choices): members.append(ConfigEntry(key: spec.name, value: .string(choices.first { $0 == "tanh" } ?? choices.first ?? "x")))
            default: members.append(ConfigEntry(key: spec.name, value: .number(0.5)))
            }
        }
        return .object(members)
    }

    @Test func everyConfigSurvivesARoundTrip() throws {
        let registry = Registry.builtins
        for kind in ComponentKind.allCases {
            for entry in registry.entries[kind] ?? [] {
                let resolved = try registry.resolve(minimalConfig(entry), kind: kind, path: "c")
                let again = try registry.resolve(resolved.configValue, kind: kind, path: "c")
                #expect(resolved == again, "\(kind.rawValue) \(entry.name)")
                #expect(!entry.summary.isEmpty, "\(entry.name) has a summary")
            }
        }
    }

    @Test func initializersHaveTheirVariance() throws {
        let golden = (GoldenTests.golden["initializers"] as! [String: Any])
        let fanIn = golden["fan_in"] as! Int, fanOut = golden["fan_out"] as! Int
        for name in ["he", "xavier", "glorot", "he_uniform", "glorot_uniform"] {
            let initializer = try Registry.builtins.makeInitializer(try Registry.builtins.resolve(.string(name), kind: .initializer, path: "i"))
            let expected = (golden[name] as! [String: Any])["variance"] as! Double
            #expect(abs(initializer.expectedVariance(fanIn: fanIn, fanOut: fanOut)! - expected) < 1e-15)
            var weights = Tensor<Double>(rows: fanOut, columns: fanIn)
            var random = RandomStream.make(.gradwell, seed: 42)
            initializer.fill(&weights, fanIn: fanIn, fanOut: fanOut, random: &random)
            let mean = weights.storage.reduce(0, +) / Double(weights.count)
            let variance = weights.storage.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(weights.count)
            #expect(abs(mean) < 0.01 * expected.squareRoot() * 10, "\(name) mean \(mean)")
            #expect(abs(variance / expected - 1) < 0.02, "\(name) variance \(variance) vs \(expected)")
        }
    }

    /// A small model around `layers`, gradient-checked in float64 on a blobs set.
    func check(layers: [ConfigValue], loss: String = "binary_cross_entropy", outputs: Int = 1, regularizers: [String] = [],
               registry: Registry = .builtins) throws -> GradientCheckReport {
        var resolved = try layers.enumerated().map { try registry.resolve($1, kind: .layer, path: "layers[\($0)]") }
        let head: ConfigValue = .object(["type": "dense", "units": .int(outputs), "activation": loss == "softmax_cross_entropy" ? "softmax" : loss == "mse" ? "linear" : "sigmoid"])
        resolved.append(try registry.resolve(head, kind: .layer, path: "head"))
        let specification = ModelSpecification(input: 3, layers: resolved, loss: try registry.resolve(.string(loss), kind: .loss, path: "loss"),
                                               dtype: .float64, seed: 5, rng: .gradwell)
        let model = try Model<Double>(specification, registry: registry)
        var random = RandomStream.make(.gradwell, seed: 9)
        let data = Generators.blobs(count: 12, centers: max(outputs, 2), features: 3, clusterStd: 2, rng: &random)
        var dataset = Dataset(name: "d", generated: data)
        if loss == "mse" {
            dataset = Dataset(name: "d", features: data.features, featureCount: 3,
                              targets: (0..<12 * outputs).map { Double($0 % 5) / 5 }, targetColumns: outputs)
        }
        let penalties = try regularizers.map { try registry.makeRegularizer(try registry.resolve(.string($0), kind: .regularizer, path: "r")) }
        return try GradientCheck.run(model: model, data: dataset, options: GradientCheckOptions(regularizers: penalties), registry: registry)
    }

    @Test(arguments: Activation.names)
    func everyActivationPassesGradientCheck(activation: String) throws {
        // Leaky ReLU and ReLU have a kink at 0; random data does not land on it.
        let report = try check(layers: [.object(["type": "dense", "units": 4, "activation": .string(activation)])])
        #expect(report.passed, "\(activation): \(report.difference)")
    }

    @Test func everyLayerLossAndRegularizerPassesGradientCheck() throws {
        let registry = Registry.builtins
        for entry in registry.entries[.layer] ?? [] {
            var config = minimalConfig(entry)
            if entry.name == "dense" { config = .object(["type": "dense", "units": 4, "activation": "tanh"]) }
            let resolved = try registry.resolve(config, kind: .layer, path: "c")
            guard (try? registry.layerDefinition(resolved).outputShape(config: resolved, inputShape: [4])) != nil else {
                // Shaped layers (convolutions, pooling) take [C, L] or [C, H, W] rows: the
                // conformance checks run them on such rows, with strides and padding.
                let report = try #require(Conformance.run(registry) { kind, name in kind == .layer && name == entry.name }.first)
                #expect(report.passed && report.checks.contains { $0.name == "gradient" }, "layer \(entry.name): \(report.checks.map(\.detail))")
                continue
            }
            let report = try check(layers: [.object(["type": "dense", "units": 4, "activation": "tanh"]), config])
            #expect(report.passed, "layer \(entry.name): \(report.difference)")
        }
        for entry in registry.entries[.loss] ?? [] {
            let report = try check(layers: [.object(["type": "dense", "units": 4, "activation": "tanh"])], loss: entry.name,
                                   outputs: entry.name == "binary_cross_entropy" ? 1 : 3)
            #expect(report.passed, "loss \(entry.name): \(report.difference)")
        }
        for entry in registry.entries[.regularizer] ?? [] {
            let report = try check(layers: [.object(["type": "dense", "units": 4, "activation": "tanh"])], regularizers: [entry.name])
            #expect(report.passed, "regularizer \(entry.name): \(report.difference)")
        }
    }

    @Test func aWrongBackwardIsCaughtAndNamed() throws {
        let registry = try Registry.builtins.adding(layers: [WrongScaleDefinition.self], origin: "test")
        let report = try check(layers: [.object(["type": "dense", "units": 4, "activation": "tanh"]), "wrong_scale"], registry: registry)
        #expect(!report.passed)
        // The scale layer has no parameters; the error shows in the layers before it.
        let failing = report.parameters.filter { $0.difference > 1e-4 }.map(\.name)
        #expect(failing.contains("layers[0].W"), "\(report.parameters.map { ($0.name, $0.difference) })")
        #expect(report.worst.first?.parameter.hasPrefix("layers[0]") == true)
    }

    @Test func aPluginNameClashIsRefusedNamingBoth() throws {
        #expect(throws: GradwellError.self) {
            _ = try Registry.builtins.adding(optimizers: [ClashingAdam.self], origin: "plugin libClash.so")
        }
        do {
            _ = try Registry.builtins.adding(optimizers: [ClashingAdam.self], origin: "plugin libClash.so")
        } catch let error as GradwellError {
            #expect(error.message.contains("builtin") && error.message.contains("libClash.so"))
        }
    }
}

/// A layer that doubles its input but forgets the factor in backward: gradcheck must catch it.
final class WrongScale<T: Scalar>: Layer {
    let outputUnits: Int
    init(units: Int) { outputUnits = units }
    func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        Kernels.copy(input, into: &output)
        Kernels.scale(&output, by: 2)
    }
    func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>, inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        Kernels.copy(outputGradient, into: &inputGradient)  // should be times 2
    }
}

struct WrongScaleDefinition: LayerDefinition {
    static let name = "wrong_scale"
    static let summary = "Doubles its input; backward is wrong on purpose."
    static let parameters: [ParameterSpec] = []
    static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        WrongScale<T>(units: context.inputUnits)
    }
}

struct ClashingAdam: Optimizer {
    static let name = "adam"
    static let defaultLearningRate = 0.1
    static let parameters: [ParameterSpec] = []
    let slots: [StateSlot] = []
    init(config: ResolvedConfig) {}
    func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>], step: Int, learningRate: Double) {}
}
