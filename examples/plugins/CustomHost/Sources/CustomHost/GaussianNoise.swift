import GradwellProtocols

/// Adds N(0, stddev²) noise to its input in training only (a regularizer as a layer, as Keras's
/// GaussianNoise); the identity in inference, so backward passes the gradient through.
final class GaussianNoise<T: Scalar>: Layer {
    let outputUnits: Int
    let standardDeviation: Double
    private var random: RandomStream

    init(units: Int, standardDeviation: Double, random: RandomStream) {
        outputUnits = units
        self.standardDeviation = standardDeviation
        self.random = random
    }

    func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        Kernels.copy(input, into: &output)
        guard mode == .training else { return }
        for i in 0..<output.count { output.storage[i] += T(random.nextNormal() * standardDeviation) }
    }

    func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                  inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        if computeInputGradient { Kernels.copy(outputGradient, into: &inputGradient) }
    }
}

struct GaussianNoiseDefinition: LayerDefinition {
    static let name = "gaussian_noise"
    static let summary = "Adds N(0, stddev²) noise in training; identity in inference."
    static let parameters: [ParameterSpec] = [.number("stddev", default: 0.1, min: 0, "Standard deviation of the noise.")]

    static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        GaussianNoise<T>(units: context.inputUnits, standardDeviation: config.double("stddev"), random: context.ownStream)
    }
}
