import GradwellProtocols

/// Lion (Chen et al. 2023): θ -= lr·(sign(β1·m + (1-β1)·g) + wd·θ); then m = β2·m + (1-β2)·g.
public struct Lion: Optimizer {
    public static let name = "lion"
    public static let summary = "Lion (Chen et al. 2023): the sign of interpolated momentum, with decoupled decay."
    public static let defaultLearningRate = 1e-4  // about 10x smaller than Adam's
    public static let parameters: [ParameterSpec] = [
        .number("beta1", default: 0.9, min: 0, max: 1, exclusiveMax: true, "Interpolation for the update."),
        .number("beta2", default: 0.99, min: 0, max: 1, exclusiveMax: true, "Decay of the momentum."),
        .number("weight_decay", default: 0, min: 0, "Decoupled weight decay."),
    ]
    public let slots = [StateSlot("m")]
    let beta1: Double, beta2: Double, weightDecay: Double
    public init(config: ResolvedConfig) {
        beta1 = config.double("beta1"); beta2 = config.double("beta2"); weightDecay = config.double("weight_decay")
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        let b1 = T(beta1), b2 = T(beta2), lr = T(learningRate), wd = T(weightDecay)
        for i in 0..<parameter.count {
            let g = gradient.storage[i], m = state[0].storage[i], c = b1 * m + (1 - b1) * g
            parameter.storage[i] -= lr * ((c > 0 ? 1 : c < 0 ? -1 : 0) + wd * parameter.storage[i])
            state[0].storage[i] = b2 * m + (1 - b2) * g
        }
    }
}
@_cdecl("gradwell_plugin_abi_version") public func gradwellPluginABIVersion() -> Int32 { PluginABI.version }
@_cdecl("gradwell_plugin_register") public func gradwellPluginRegister(_ registrar: UnsafeMutableRawPointer) -> Int32 {
    PluginRegistrar.from(registrar).register { $0.add(optimizers: [Lion.self]) }
}
