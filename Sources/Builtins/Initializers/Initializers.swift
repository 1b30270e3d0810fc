import GradwellProtocols

// Every initializer fills (fanOut, fanIn) row by row, each value drawn in float64 and then
// rounded to the tensor's type, as `np.random.randn(units, fan_in) * factor` does.

/// Draws `scale * N(0, 1)` for every weight, in row-major order.
@inline(__always)
private func fillNormal<T: Scalar>(_ weights: inout Tensor<T>, scale: Double, random: inout RandomStream) {
    for i in 0..<weights.count { weights.storage[i] = T(random.nextNormal() * scale) }
}

/// Draws uniform values in [-limit, limit), as `np.random.uniform(-limit, limit)`.
@inline(__always)
private func fillUniform<T: Scalar>(_ weights: inout Tensor<T>, limit: Double, random: inout RandomStream) {
    for i in 0..<weights.count { weights.storage[i] = T(-limit + 2 * limit * random.nextDouble()) }
}

/// All zeros: every unit computes the same thing, so symmetry is never broken (the course's lesson).
public struct ZerosInitializer: Initializer {
    public static let name = "zeros"
    public static let summary = "All weights zero; fails to break symmetry."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}
    public func fill<T: Scalar>(_ weights: inout Tensor<T>, fanIn: Int, fanOut: Int, random: inout RandomStream) {
        weights.fill(0)
    }
    public func expectedVariance(fanIn: Int, fanOut: Int) -> Double? { 0 }
}

/// Standard normal times `scale`; the course's "large random" initialization is scale 10.
public struct RandomInitializer: Initializer {
    public static let name = "random"
    public static let summary = "Normal with standard deviation `scale` (the course's large random: 10)."
    public static let parameters: [ParameterSpec] = [
        .number("scale", default: 0.01, min: 0, "Standard deviation of the weights."),
    ]
    public let scale: Double
    public init(config: ResolvedConfig) { scale = config.double("scale") }
    public func fill<T: Scalar>(_ weights: inout Tensor<T>, fanIn: Int, fanOut: Int, random: inout RandomStream) {
        fillNormal(&weights, scale: scale, random: &random)
    }
    public func expectedVariance(fanIn: Int, fanOut: Int) -> Double? { scale * scale }
}

/// Normal with standard deviation sqrt(2 / fanIn) (He et al. 2015), for ReLU networks.
public struct HeInitializer: Initializer {
    public static let name = "he"
    public static let summary = "Normal, std sqrt(2/fan_in) (He et al. 2015)."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}
    public func fill<T: Scalar>(_ weights: inout Tensor<T>, fanIn: Int, fanOut: Int, random: inout RandomStream) {
        fillNormal(&weights, scale: (2.0 / Double(fanIn)).squareRoot(), random: &random)
    }
    public func expectedVariance(fanIn: Int, fanOut: Int) -> Double? { 2.0 / Double(fanIn) }
}

/// Normal with standard deviation sqrt(1 / fanIn), the course's "Xavier" for tanh networks.
public struct XavierInitializer: Initializer {
    public static let name = "xavier"
    public static let summary = "Normal, std sqrt(1/fan_in) (the course's Xavier initialization)."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}
    public func fill<T: Scalar>(_ weights: inout Tensor<T>, fanIn: Int, fanOut: Int, random: inout RandomStream) {
        fillNormal(&weights, scale: (1.0 / Double(fanIn)).squareRoot(), random: &random)
    }
    public func expectedVariance(fanIn: Int, fanOut: Int) -> Double? { 1.0 / Double(fanIn) }
}

/// Normal with standard deviation sqrt(2 / (fanIn + fanOut)) (Glorot and Bengio 2010).
public struct GlorotInitializer: Initializer {
    public static let name = "glorot"
    public static let summary = "Normal, std sqrt(2/(fan_in+fan_out)) (Glorot and Bengio 2010)."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}
    public func fill<T: Scalar>(_ weights: inout Tensor<T>, fanIn: Int, fanOut: Int, random: inout RandomStream) {
        fillNormal(&weights, scale: (2.0 / Double(fanIn + fanOut)).squareRoot(), random: &random)
    }
    public func expectedVariance(fanIn: Int, fanOut: Int) -> Double? { 2.0 / Double(fanIn + fanOut) }
}

/// Uniform in ±sqrt(6 / fanIn): the same variance as `he` (He et al. 2015).
public struct HeUniformInitializer: Initializer {
    public static let name = "he_uniform"
    public static let summary = "Uniform in ±sqrt(6/fan_in) (He et al. 2015)."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}
    public func fill<T: Scalar>(_ weights: inout Tensor<T>, fanIn: Int, fanOut: Int, random: inout RandomStream) {
        fillUniform(&weights, limit: (6.0 / Double(fanIn)).squareRoot(), random: &random)
    }
    public func expectedVariance(fanIn: Int, fanOut: Int) -> Double? { 2.0 / Double(fanIn) }
}

/// Uniform in ±sqrt(6 / (fanIn + fanOut)) (Glorot and Bengio 2010).
public struct GlorotUniformInitializer: Initializer {
    public static let name = "glorot_uniform"
    public static let summary = "Uniform in ±sqrt(6/(fan_in+fan_out)) (Glorot and Bengio 2010)."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}
    public func fill<T: Scalar>(_ weights: inout Tensor<T>, fanIn: Int, fanOut: Int, random: inout RandomStream) {
        fillUniform(&weights, limit: (6.0 / Double(fanIn + fanOut)).squareRoot(), random: &random)
    }
    public func expectedVariance(fanIn: Int, fanOut: Int) -> Double? { 2.0 / Double(fanIn + fanOut) }
}
