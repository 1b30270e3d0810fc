import Foundation
import GradwellProtocols

/// AdaBelief (Zhuang et al. 2020): Adam whose second moment tracks (g - m)², the "belief" in
/// the gradient, instead of g².
struct AdaBelief: Optimizer {
    static let name = "adabelief"
    static let summary = "AdaBelief (Zhuang et al. 2020): Adam with s = β2·s + (1-β2)·(g - m)² + ε."
    static let defaultLearningRate = 1e-3
    static let parameters: [ParameterSpec] = [
        .number("beta1", default: 0.9, min: 0, max: 1, exclusiveMax: true, "Decay of the gradient average."),
        .number("beta2", default: 0.999, min: 0, max: 1, exclusiveMax: true, "Decay of the belief average."),
        .number("epsilon", default: 1e-16, min: 0, exclusiveMin: true, "Added to s and to the denominator."),
    ]
    let slots = [StateSlot("m"), StateSlot("s")]
    let beta1: Double, beta2: Double, epsilon: Double

    init(config: ResolvedConfig) {
        beta1 = config.double("beta1"); beta2 = config.double("beta2"); epsilon = config.double("epsilon")
    }

    func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                           step: Int, learningRate: Double) {
        let b1 = T(beta1), b2 = T(beta2), eps = T(epsilon), lr = T(learningRate)
        // β^t in Double (a loop of `step` products would make step t cost O(t)).
        let c1 = T(Foundation.pow(beta1, Double(step))), c2 = T(Foundation.pow(beta2, Double(step)))
        for i in 0..<parameter.count {
            let g = gradient.storage[i]
            let m = b1 * state[0].storage[i] + (1 - b1) * g
            let s = b2 * state[1].storage[i] + (1 - b2) * (g - m) * (g - m) + eps
            state[0].storage[i] = m
            state[1].storage[i] = s
            parameter.storage[i] -= lr * (m / (1 - c1)) / ((s / (1 - c2)).squareRoot() + eps)
        }
    }
}
