import GradwellProtocols

/// A fully connected layer: output = activation(input · Wᵀ + b), W of shape (units, fanIn).
public final class Dense<T: Scalar>: EndsInActivation {
    public let weights: Parameter<T>
    public let bias: Parameter<T>?
    public var activation: Activation
    public var outputUnits: Int { weights.value.rows }
    public var parameters: [Parameter<T>] { bias.map { [weights, $0] } ?? [weights] }
    /// dL/dz, reused between steps.
    private var preActivationGradient = Tensor<T>()

    public init(weights: Tensor<T>, bias: Tensor<T>?, activation: Activation) {
        self.weights = Parameter(name: "W", value: weights, regularized: true)
        self.bias = bias.map { Parameter(name: "b", value: $0, regularized: false) }
        self.activation = activation
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        Kernels.matmul(input, weights.value, transposeB: true, into: &output)
        if let bias { activation.apply(&output, addingRow: bias.value) } else { activation.apply(&output) }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                         inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        if let bias {
            backward(input: input, output: output, outputGradient: outputGradient, inputGradient: &inputGradient,
                     computeInputGradient: computeInputGradient, preActivationGradient: &preActivationGradient,
                     weightGradient: &weights.gradient, biasGradient: &bias.gradient)
        } else {
            var none = Tensor<T>()
            backward(input: input, output: output, outputGradient: outputGradient, inputGradient: &inputGradient,
                     computeInputGradient: computeInputGradient, preActivationGradient: &preActivationGradient,
                     weightGradient: &weights.gradient, biasGradient: &none)
        }
    }

    /// The backward pass into the caller's buffers (a scratch tensor for dL/dz and the gradients
    /// of W and b), touching no state of the layer: data-parallel training runs it on several
    /// threads at once, one slice of the batch each. `biasGradient` is left alone without a bias.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                         inputGradient: inout Tensor<T>, computeInputGradient: Bool,
                         preActivationGradient: inout Tensor<T>, weightGradient: inout Tensor<T>,
                         biasGradient: inout Tensor<T>) {
        activation.backward(output: output, gradient: outputGradient, into: &preActivationGradient)
        // dW = dZᵀ · X, db = column sums of dZ, dX = dZ · W.
        Kernels.matmul(preActivationGradient, transposeA: true, input, into: &weightGradient, rowBlocks: true)
        if bias != nil { Kernels.columnSums(preActivationGradient, into: &biasGradient) }
        if computeInputGradient {
            Kernels.matmul(preActivationGradient, weights.value, into: &inputGradient)
        }
    }
}

/// Registers `dense`: units, activation, initializer, bias.
public struct DenseDefinition: LayerDefinition {
    public static let name = "dense"
    public static let summary = "Fully connected layer: activation(x · Wᵀ + b), W of shape (units, fan_in)."
    public static let parameters: [ParameterSpec] = [
        .integer("units", default: nil, min: 1, "Number of output units."),
        .choice("activation", Activation.names, default: "linear", family: "activation", "Activation applied to the output."),
        .number("negative_slope", default: 0.01, min: 0, "Slope for negative inputs of leaky_relu."),
        .component("init", .initializer, default: "he", "Initializer of W; b starts at zero."),
        .boolean("use_bias", default: true, "Whether the layer has a bias (drop it before batch norm)."),
    ]

    public static func outputUnits(config: ResolvedConfig, inputUnits: Int) -> Int { config.int("units") }

    public static func parameterCount(config: ResolvedConfig, inputUnits: Int) -> Double {
        let units = Double(config.int("units"))
        return units * Double(inputUnits) + (config.bool("use_bias") ? units : 0)
    }

    public static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        let units = config.int("units")
        let initializer = try context.registry.makeInitializer(config.component("init"))
        var weights = Tensor<T>(rows: units, columns: context.inputUnits)
        initializer.fill(&weights, fanIn: context.inputUnits, fanOut: units, random: &context.initialization)
        let activation = Activation(name: config.string("activation"), slope: config.double("negative_slope"))!
        let bias = config.bool("use_bias") ? Tensor<T>(rows: 1, columns: units) : nil
        return Dense(weights: weights, bias: bias, activation: activation)
    }
}
