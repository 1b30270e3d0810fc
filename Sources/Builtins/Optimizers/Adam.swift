import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// Adam (Kingma and Ba 2014), with weight decay coupled (L2 added to g, PyTorch's Adam) or
/// decoupled (θ -= lr·wd·θ before the step, AdamW of Loshchilov and Hutter 2019; `adamw` is
/// the preset that sets it).
public struct Adam: Optimizer {
    public static let name = "adam", defaultLearningRate = 0.001
    public static let summary = "Adam (Kingma and Ba 2014): bias-corrected first and second moments; weight_decay is L2 added to g (PyTorch Adam) or decoupled (AdamW)."
    public static let parameters: [ParameterSpec] = [
        .number("beta1", default: 0.9, min: 0, max: 1, exclusiveMax: true, "Decay of the gradient average."),
        .number("beta2", default: 0.999, min: 0, max: 1, exclusiveMax: true, "Decay of the squared-gradient average."),
        .number("epsilon", default: 1e-8, min: 0, exclusiveMin: true, "Added to the denominator for stability."),
        .boolean("bias_correction", default: true, "Divide the moments by 1 - β^t (Kingma and Ba's correction)."),
        .epsilonInsideSquareRoot,
        .number("weight_decay", default: 0, min: 0, "Weight decay coefficient: L2 added to the gradient, or decoupled decay."),
        .boolean("decoupled_weight_decay", default: false, "true: θ -= lr·wd·θ before the step (AdamW); false: g += wd·θ (PyTorch's Adam)."),
    ]
    public let slots = [StateSlot("m"), StateSlot("v")]
    let beta1: Double, beta2: Double, epsilon: Double, biasCorrection: Bool, inside: Bool
    let weightDecay: Double, decoupled: Bool

    public init(config: ResolvedConfig) {
        beta1 = config.double("beta1"); beta2 = config.double("beta2"); epsilon = config.double("epsilon")
        biasCorrection = config.bool("bias_correction"); inside = config.bool("epsilon_inside_sqrt")
        weightDecay = config.double("weight_decay"); decoupled = config.bool("decoupled_weight_decay") && weightDecay > 0
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        let b1 = T(beta1), b2 = T(beta2), eps = T(epsilon), lr = T(learningRate), wd = T(weightDecay)
        // Corrections computed in Double: β^t underflows late, and the same in both dtypes.
        let c1 = biasCorrection ? T(1 / (1 - pow(beta1, Double(step)))) : 1
        let c2 = biasCorrection ? T(1 / (1 - pow(beta2, Double(step)))) : 1
        let coupled = !decoupled && weightDecay > 0
        precondition(gradient.count == parameter.count && state[0].count == parameter.count && state[1].count == parameter.count,
                     "adam: parameter, gradient and state shapes differ")
        // The two slots are moved out while they are written (two inout accesses to one array overlap).
        var first = Tensor<T>(), second = Tensor<T>()
        swap(&first, &state[0])
        swap(&second, &state[1])
        defer {
            swap(&first, &state[0])
            swap(&second, &state[1])
        }
        parameter.storage.withUnsafeMutableBufferPointer { p in
            gradient.storage.withUnsafeBufferPointer { g in
                first.storage.withUnsafeMutableBufferPointer { m in
                    second.storage.withUnsafeMutableBufferPointer { v in
                        if !decoupled && !coupled && !inside, let pp = p.baseAddress, let pg = g.baseAddress,
                           let pm = m.baseAddress, let pv = v.baseAddress {
                            // The common case, in vectorized C: the same operations in the same
                            // order as the general loop below, so the same bits.
                            T.adam(parameter: pp, gradient: pg, first: pm, second: pv, count: p.count,
                                   beta1: b1, beta2: b2, learningRate: lr, correction1: c1, correction2: c2, epsilon: eps)
                            return
                        }
                        for i in p.indices {
                            if decoupled { p[i] -= lr * wd * p[i] }
                            let gi = coupled ? g[i] + wd * p[i] : g[i]
                            m[i] = b1 * m[i] + (1 - b1) * gi
                            v[i] = b2 * v[i] + (1 - b2) * gi * gi
                            let vhat = v[i] * c2
                            let denominator = inside ? (vhat + eps).squareRoot() : vhat.squareRoot() + eps
                            p[i] -= lr * (m[i] * c1) / denominator
                        }
                    }
                }
            }
        }
    }
}
