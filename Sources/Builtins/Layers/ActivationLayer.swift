import GradwellProtocols

/// An activation on its own, for networks that put one after batch norm or dropout.
public final class ActivationLayer<T: Scalar>: EndsInActivation {
    public var activation: Activation
    public let outputUnits: Int

    public init(activation: Activation, units: Int) {
        self.activation = activation
        self.outputUnits = units
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        Kernels.copy(input, into: &output)
        activation.apply(&output)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                         inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        guard computeInputGradient else { return }
        activation.backward(output: output, gradient: outputGradient, into: &inputGradient)
    }
}

/// Registers `activation`.
public struct ActivationDefinition: LayerDefinition {
    public static let name = "activation"
    public static let summary = "An activation function as its own layer."
    public static let parameters: [ParameterSpec] = [
        .choice("activation", Activation.names, default: nil, family: "activation", "The function to apply."),
        .number("negative_slope", default: 0.01, min: 0, "Slope for negative inputs of leaky_relu."),
    ]

    /// Element by element: any row shape passes through.
    public static func outputShape(config: ResolvedConfig, inputShape: [Int]) throws -> [Int] { inputShape }

    public static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        ActivationLayer(activation: Activation(name: config.string("activation"), slope: config.double("negative_slope"))!,
                        units: context.inputUnits)
    }
}
