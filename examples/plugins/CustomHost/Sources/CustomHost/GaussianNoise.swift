import GradwellProtocols

/// Adds N(0, stddev²) noise to its input in training only (a regularizer as a layer, as Keras's
/// GaussianNoise); the identity in inference, so backward passes the gradient through.
///
/// Its noise generator is state: saved with the model (`state`) and put back (`restore`), so a
/// run resumed from a model file draws the noise an uninterrupted run would (`gradwell check`
/// compares the two).
final class GaussianNoise<T: Scalar>: Layer {
    let outputUnits: Int
    let standardDeviation: Double
    private var random: GradwellRandom

    init(units: Int, standardDeviation: Double, random: GradwellRandom) {
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

    var state: [String: ConfigValue] {
        ["random": random.stateValue]
    }

    func restore(state: [String: ConfigValue]) throws {
        guard let restored = state["random"].flatMap(GradwellRandom.init(stateValue:)) else {
            throw StateMismatch("gaussian_noise state needs \"random\": 4 hexadecimal words, not all zero")
        }
        random = restored
    }
}

struct GaussianNoiseDefinition: LayerDefinition {
    static let name = "gaussian_noise"
    static let summary = "Adds N(0, stddev²) noise in training; identity in inference."
    static let parameters: [ParameterSpec] = [.number("stddev", default: 0.1, min: 0, "Standard deviation of the noise.")]

    static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        // A generator of its own, seeded from the layer's stream, whose four words it can save.
        GaussianNoise<T>(units: context.inputUnits, standardDeviation: config.double("stddev"),
                         random: GradwellRandom(seed: context.ownStream.nextUInt64()))
    }
}
