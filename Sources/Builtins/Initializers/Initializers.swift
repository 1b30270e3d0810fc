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

/// He, Xavier and Glorot are one rule (Keras's VarianceScaling): weights of variance
/// `numerator / fan`, drawn from a normal, or from a uniform in ±sqrt(3·numerator / fan).
/// Each built-in is a row of that table.
public protocol VarianceRule: Sendable {
    static var name: String { get }
    static var summary: String { get }
    /// 2 for He and Glorot, 1 for the course's Xavier.
    static var numerator: Double { get }
    /// fan_in alone, or fan_in + fan_out (Glorot's average of the two, with numerator 2).
    static var addsFanOut: Bool { get }
    static var uniform: Bool { get }
}

public enum HeRule: VarianceRule { public static let name = "he", numerator = 2.0, addsFanOut = false, uniform = false, summary = "Normal, std sqrt(2/fan_in) (He et al. 2015)." }
public enum XavierRule: VarianceRule { public static let name = "xavier", numerator = 1.0, addsFanOut = false, uniform = false, summary = "Normal, std sqrt(1/fan_in) (the course's Xavier initialization)." }
public enum GlorotRule: VarianceRule { public static let name = "glorot", numerator = 2.0, addsFanOut = true, uniform = false, summary = "Normal, std sqrt(2/(fan_in+fan_out)) (Glorot and Bengio 2010)." }
public enum HeUniformRule: VarianceRule { public static let name = "he_uniform", numerator = 2.0, addsFanOut = false, uniform = true, summary = "Uniform in ±sqrt(6/fan_in) (He et al. 2015)." }
public enum GlorotUniformRule: VarianceRule { public static let name = "glorot_uniform", numerator = 2.0, addsFanOut = true, uniform = true, summary = "Uniform in ±sqrt(6/(fan_in+fan_out)) (Glorot and Bengio 2010)." }

public typealias HeInitializer = VarianceScaling<HeRule>
public typealias XavierInitializer = VarianceScaling<XavierRule>
public typealias GlorotInitializer = VarianceScaling<GlorotRule>
public typealias HeUniformInitializer = VarianceScaling<HeUniformRule>
public typealias GlorotUniformInitializer = VarianceScaling<GlorotUniformRule>

/// The initializer of one `VarianceRule`.
public struct VarianceScaling<Rule: VarianceRule>: Initializer {
    public static var name: String { Rule.name }
    public static var summary: String { Rule.summary }
    public static var parameters: [ParameterSpec] { [] }
    public init(config: ResolvedConfig) {}

    private static func fan(_ fanIn: Int, _ fanOut: Int) -> Double { Double(Rule.addsFanOut ? fanIn + fanOut : fanIn) }

    public func fill<T: Scalar>(_ weights: inout Tensor<T>, fanIn: Int, fanOut: Int, random: inout RandomStream) {
        let fan = Self.fan(fanIn, fanOut)
        if Rule.uniform {
            fillUniform(&weights, limit: (3 * Rule.numerator / fan).squareRoot(), random: &random)
        } else {
            fillNormal(&weights, scale: (Rule.numerator / fan).squareRoot(), random: &random)
        }
    }
    public func expectedVariance(fanIn: Int, fanOut: Int) -> Double? { Rule.numerator / Self.fan(fanIn, fanOut) }
}
