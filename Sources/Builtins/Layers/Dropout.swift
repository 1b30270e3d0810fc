import GradwellProtocols

/// Inverted dropout (Srivastava et al. 2014): in training each unit is kept with probability
/// keep_prob and scaled by 1/keep_prob, so inference needs no change. Masks come from the
/// layer's own stream (model seed, layer index), saved with the model.
public final class Dropout<T: Scalar>: Layer {
    public let keepProbability: Double
    public let outputUnits: Int
    private var random: GradwellRandom
    private var mask = Tensor<T>()

    init(keepProbability: Double, units: Int, random: GradwellRandom) {
        self.keepProbability = keepProbability
        self.outputUnits = units
        self.random = random
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        Kernels.copy(input, into: &output)
        guard mode == .training, keepProbability < 1 else { return }
        mask.resize(rows: input.rows, columns: input.columns)
        let scale = T(1 / keepProbability)
        for i in 0..<mask.count { mask.storage[i] = random.nextDouble() < keepProbability ? scale : 0 }
        output.storage.withUnsafeMutableBufferPointer { out in
            mask.storage.withUnsafeBufferPointer { m in for i in out.indices { out[i] *= m[i] } }
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                         inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        guard computeInputGradient else { return }
        Kernels.copy(outputGradient, into: &inputGradient)
        guard keepProbability < 1, mask.count == inputGradient.count else { return }
        inputGradient.storage.withUnsafeMutableBufferPointer { g in
            mask.storage.withUnsafeBufferPointer { m in for i in g.indices { g[i] *= m[i] } }
        }
    }

    public var state: [String: ConfigValue] {
        ["random": random.stateValue]
    }

    public func restore(state: [String: ConfigValue]) throws {
        guard let value = state["random"], value.arrayValue?.count == 4 else {
            throw StateMismatch("dropout state needs \"random\": 4 hexadecimal words (its generator's state)")
        }
        guard let restored = GradwellRandom(stateValue: value) else {
            throw StateMismatch("dropout state \"random\" must be 4 hexadecimal words of at most 64 bits, not all zero")
        }
        random = restored
    }
}

/// Registers `dropout`.
public struct DropoutDefinition: LayerDefinition {
    public static let name = "dropout"
    public static let summary = "Inverted dropout (Srivastava et al. 2014), active in training only."
    public static let parameters: [ParameterSpec] = [
        .number("keep_prob", default: 0.5, min: 0, max: 1, exclusiveMin: true, "Probability of keeping each unit."),
    ]

    /// Element by element: any row shape passes through.
    public static func outputShape(config: ResolvedConfig, inputShape: [Int]) throws -> [Int] { inputShape }

    public static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        let seed = context.ownStream.nextUInt64()
        return Dropout<T>(keepProbability: config.double("keep_prob"), units: context.inputUnits,
                          random: GradwellRandom(seed: seed))
    }
}
