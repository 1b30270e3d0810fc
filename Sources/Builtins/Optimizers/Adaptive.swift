import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

// Adaptive-rate optimizers: each keeps running squares of the gradient. Conventions that
// differ between frameworks are settings; the defaults are the course's.

private let epsilonPlacement = ParameterSpec.boolean("epsilon_inside_sqrt", default: false,
    "false: g/(√s + ε) (course, PyTorch); true: g/√(s + ε) (some TensorFlow versions).")

/// RMSprop (Hinton 2012, lecture 6e): s = βs + (1-β)g²; θ -= lr·g/(√s + ε).
public struct RMSprop: Optimizer {
    public static let name = "rmsprop"
    public static let summary = "RMSprop (Hinton 2012): s = βs + (1-β)g², θ -= lr·g/(√s+ε). PyTorch's default is beta 0.99."
    public static let parameters: [ParameterSpec] = [
        .number("lr", default: 0.001, min: 0, exclusiveMin: true, "Learning rate."),
        .number("beta", default: 0.999, min: 0, max: 1, exclusiveMax: true, "Decay of the squared-gradient average (PyTorch's alpha)."),
        .number("epsilon", default: 1e-8, min: 0, exclusiveMin: true, "Added to the denominator for stability."),
        epsilonPlacement,
    ]
    public let learningRate: Double
    let beta: Double, epsilon: Double, inside: Bool
    public var stateSlots: [String] { ["s"] }
    public init(config: ResolvedConfig) {
        learningRate = config.double("lr"); beta = config.double("beta"); epsilon = config.double("epsilon")
        inside = config.bool("epsilon_inside_sqrt")
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        let b = T(beta), eps = T(epsilon), lr = T(learningRate)
        parameter.storage.withUnsafeMutableBufferPointer { p in
            gradient.storage.withUnsafeBufferPointer { g in
                state[0].storage.withUnsafeMutableBufferPointer { s in
                    for i in p.indices {
                        s[i] = b * s[i] + (1 - b) * g[i] * g[i]
                        let denominator = inside ? (s[i] + eps).squareRoot() : s[i].squareRoot() + eps
                        p[i] -= lr * g[i] / denominator
                    }
                }
            }
        }
    }
}

/// Adam (Kingma and Ba 2014), with AdamW's decoupled decay as a setting of the same step.
public struct Adam: Optimizer {
    public static let name = "adam"
    public static let summary = "Adam (Kingma and Ba 2014): bias-corrected first and second moments; weight_decay is L2 added to g (PyTorch Adam)."
    static let common: [ParameterSpec] = [
        .number("beta1", default: 0.9, min: 0, max: 1, exclusiveMax: true, "Decay of the gradient average."),
        .number("beta2", default: 0.999, min: 0, max: 1, exclusiveMax: true, "Decay of the squared-gradient average."),
        .number("epsilon", default: 1e-8, min: 0, exclusiveMin: true, "Added to the denominator for stability."),
        .boolean("bias_correction", default: true, "Divide the moments by 1 - β^t (Kingma and Ba's correction)."),
        epsilonPlacement,
    ]
    public static let parameters: [ParameterSpec] = [.number("lr", default: 0.001, min: 0, exclusiveMin: true, "Learning rate.")]
        + common + [.number("weight_decay", default: 0, min: 0, "L2 coefficient added to the gradient (coupled, as PyTorch's Adam).")]

    public let learningRate: Double
    let beta1: Double, beta2: Double, epsilon: Double, biasCorrection: Bool, inside: Bool
    /// Coupled L2 (g += wd·θ) for adam; decoupled decay (θ -= lr·wd·θ) for adamw.
    let weightDecay: Double, decoupled: Bool
    public var stateSlots: [String] { ["m", "v"] }

    public init(config: ResolvedConfig) {
        self.init(config: config, decoupled: false)
    }

    init(config: ResolvedConfig, decoupled: Bool) {
        learningRate = config.double("lr"); beta1 = config.double("beta1"); beta2 = config.double("beta2")
        epsilon = config.double("epsilon"); biasCorrection = config.bool("bias_correction")
        inside = config.bool("epsilon_inside_sqrt"); weightDecay = config.double("weight_decay")
        self.decoupled = decoupled
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

/// AdamW (Loshchilov and Hutter 2019): Adam with weight decay decoupled from the gradient.
/// It is Adam with `decoupled` set: θ -= lr·wd·θ before the Adam step, as PyTorch's AdamW.
public struct AdamW: Optimizer {
    public static let name = "adamw"
    public static let summary = "AdamW (Loshchilov and Hutter 2019): Adam with decoupled weight decay θ -= lr·wd·θ."
    public static let parameters: [ParameterSpec] = [.number("lr", default: 0.001, min: 0, exclusiveMin: true, "Learning rate.")]
        + Adam.common + [.number("weight_decay", default: 0.01, min: 0, "Decoupled decay coefficient.")]
    let adam: Adam
    public var learningRate: Double { adam.learningRate }
    public var stateSlots: [String] { adam.stateSlots }
    public init(config: ResolvedConfig) { adam = Adam(config: config, decoupled: true) }

    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        adam.update(&parameter, gradient: gradient, state: &state, step: step, learningRate: learningRate)
    }
}

/// Adagrad (Duchi et al. 2011): s += g²; θ -= lr·g/(√s + ε).
public struct Adagrad: Optimizer {
    public static let name = "adagrad"
    public static let summary = "Adagrad (Duchi et al. 2011): s += g², θ -= lr·g/(√s+ε)."
    public static let parameters: [ParameterSpec] = [
        .number("lr", default: 0.01, min: 0, exclusiveMin: true, "Learning rate."),
        .number("epsilon", default: 1e-10, min: 0, exclusiveMin: true, "Added to the denominator (PyTorch's default)."),
        .number("initial_accumulator", default: 0, min: 0, "Starting value of s."),
    ]
    public let learningRate: Double
    let epsilon: Double, initial: Double
    public var stateSlots: [String] { ["s"] }
    public init(config: ResolvedConfig) {
        learningRate = config.double("lr"); epsilon = config.double("epsilon"); initial = config.double("initial_accumulator")
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        let eps = T(epsilon), lr = T(learningRate), start = T(initial)
        parameter.storage.withUnsafeMutableBufferPointer { p in
            gradient.storage.withUnsafeBufferPointer { g in
                state[0].storage.withUnsafeMutableBufferPointer { s in
                    for i in p.indices {
                        if step == 1 { s[i] = start }
                        s[i] += g[i] * g[i]
                        p[i] -= lr * g[i] / (s[i].squareRoot() + eps)
                    }
                }
            }
        }
    }
}
