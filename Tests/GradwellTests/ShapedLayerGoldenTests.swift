import Foundation
import Testing
@testable import GradwellBuiltins
import GradwellProtocols

/// The shaped layers (convolutions, pooling, flatten, per-channel batch norm) against PyTorch in
/// float64: forward, dL/dx and every parameter's gradient, within 1e-12. The values come from
/// `Tests/golden/conv_reference.py` (torch.nn.functional), stored in `Data/conv_golden.json`.
@Suite struct ShapedLayerGoldenTests {
    struct Case: CustomStringConvertible, @unchecked Sendable {
        var fields: [String: Any]
        var description: String { fields["name"] as? String ?? "?" }
    }

    static let cases: [Case] = {
        let url = repositoryRoot.appendingPathComponent("Tests/GradwellTests/Data/conv_golden.json")
        let document = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (document["cases"] as! [[String: Any]]).map(Case.init)
    }()

    func expectClose(_ actual: [Double], _ expected: [Double], _ what: String, _ name: String) {
        #expect(actual.count == expected.count, "\(name) \(what): \(actual.count) values, PyTorch has \(expected.count)")
        for (index, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= 1e-12 * max(1, abs(e))) {
            Issue.record("\(name) \(what)[\(index)]: \(a), PyTorch \(e)")
            return
        }
    }

    @Test(arguments: ShapedLayerGoldenTests.cases)
    func matchesPyTorch(_ golden: Case) throws {
        let fields = golden.fields, name = golden.description
        let registry = Registry.builtins
        let config = try registry.resolve(configValue(fields["layer"]!), kind: .layer, path: "layer")
        let inputShape = fields["input_shape"] as! [Int], rows = fields["batch"] as! Int
        let definition = registry.layerDefinition(config)
        #expect(try definition.outputShape(config: config, inputShape: inputShape) == fields["output_shape"] as! [Int])
        var context = LayerContext(inputUnits: Shape.units(inputShape), index: 0,
                                   initialization: RandomStream.make(.gradwell, seed: 1), ownStream: RandomStream.make(.gradwell, seed: 2),
                                   registry: registry, inputShape: inputShape)
        let layer = try definition.make(config: config, context: &context, as: Double.self)
        let params = fields["params"] as? [String: [Double]] ?? [:]
        for parameter in layer.parameters {
            let values = try #require(params[parameter.name], "\(name): PyTorch has no \(parameter.name)")
            #expect(values.count == parameter.value.count)
            parameter.value.storage = values
        }
        #expect(layer.parameters.count == params.count, "\(name): \(layer.parameters.map(\.name)) against \(params.keys.sorted())")
        let x = Tensor(rows: rows, columns: Shape.units(inputShape), storage: fields["x"] as! [Double])
        var y = Tensor<Double>()
        layer.forward(x, into: &y, mode: .training)
        expectClose(y.storage, fields["y"] as! [Double], "y", name)
        let dy = Tensor(rows: rows, columns: y.columns, storage: fields["dy"] as! [Double])
        var dx = Tensor<Double>()
        layer.backward(input: x, output: y, outputGradient: dy, inputGradient: &dx, computeInputGradient: true)
        expectClose(dx.storage, fields["dx"] as! [Double], "dx", name)
        let grads = fields["grads"] as? [String: [Double]] ?? [:]
        for parameter in layer.parameters {
            expectClose(parameter.gradient.storage, grads[parameter.name] ?? [], "d\(parameter.name)", name)
        }
        if let state = fields["state"] as? [String: [Double]] {
            for (key, expected) in state {
                let kept = layer.state[key]?.arrayValue?.compactMap(\.doubleValue) ?? []
                expectClose(kept, expected, key, name)
            }
        }
    }

    /// Inference after a training step: batch norm uses the running statistics, pooling and
    /// convolution the same computation as in training.
    @Test func convolutionInferenceEqualsTraining() throws {
        let golden = try #require(Self.cases.first { $0.description.hasPrefix("conv2d_s2_p1") })
        let registry = Registry.builtins
        let config = try registry.resolve(configValue(golden.fields["layer"]!), kind: .layer, path: "layer")
        let shape = golden.fields["input_shape"] as! [Int]
        var context = LayerContext(inputUnits: Shape.units(shape), index: 0, initialization: RandomStream.make(.gradwell, seed: 1),
                                   ownStream: RandomStream.make(.gradwell, seed: 2), registry: registry, inputShape: shape)
        let layer = try registry.layerDefinition(config).make(config: config, context: &context, as: Double.self)
        let x = Tensor(rows: golden.fields["batch"] as! Int, columns: Shape.units(shape), storage: golden.fields["x"] as! [Double])
        var training = Tensor<Double>(), inference = Tensor<Double>()
        layer.forward(x, into: &training, mode: .training)
        layer.forward(x, into: &inference, mode: .inference)
        #expect(training == inference)
    }
}
