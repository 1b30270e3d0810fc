import GradwellProtocols

/// Batch normalization (Ioffe and Szegedy 2015): each unit normalized over the batch, then
/// scaled by γ and shifted by β. After a convolution (rows shaped [C, …]) each channel is one
/// unit, normalized over the batch's rows and positions together, as PyTorch's BatchNorm1d/2d. Training uses the batch's statistics and updates running
/// averages (running = momentum·running + (1-momentum)·batch); inference uses the running
/// averages. The running variance averages the batch's biased variance (Σ(x-μ)²/m, what the
/// batch was normalized with), or with `running_variance: "unbiased"` its Σ(x-μ)²/(m-1), as
/// PyTorch's `BatchNorm1d` keeps.
public final class BatchNorm<T: Scalar>: Layer {
    public let gamma: Parameter<T>
    public let beta: Parameter<T>
    let momentum: Double
    let epsilon: Double
    /// Whether the running variance averages Σ(x-μ)²/(m-1) instead of Σ(x-μ)²/m.
    let unbiasedRunningVariance: Bool
    /// Units (channels) and the positions each spans in a row (1 for flat rows).
    let channels: Int, positions: Int
    public var outputUnits: Int { channels * positions }
    public var parameters: [Parameter<T>] { [gamma, beta] }
    public var minimumTrainingBatch: Int { 2 }
    private(set) var runningMean: [Double]
    private(set) var runningVariance: [Double]
    // Kept from the training forward pass for backward.
    private var normalized = Tensor<T>()
    private var inverseDeviation: [T] = []

    init(units: Int, positions: Int = 1, momentum: Double, epsilon: Double, unbiasedRunningVariance: Bool) {
        self.unbiasedRunningVariance = unbiasedRunningVariance
        channels = units
        self.positions = positions
        gamma = Parameter(name: "gamma", value: Tensor(rows: 1, columns: units, repeating: 1), regularized: false)
        beta = Parameter(name: "beta", value: Tensor(rows: 1, columns: units), regularized: false)
        self.momentum = momentum
        self.epsilon = epsilon
        runningMean = Array(repeating: 0, count: units)
        runningVariance = Array(repeating: 1, count: units)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        let rows = input.rows, width = input.columns, positions = positions
        // Element (row i, unit j, position p) is at i·width + j·positions + p.
        let count = rows * positions
        output.resize(rows: rows, columns: width)
        if mode == .inference {
            for j in 0..<channels {
                let scale = gamma.value.storage[j] / T((runningVariance[j] + epsilon).squareRoot())
                let shift = beta.value.storage[j] - T(runningMean[j]) * scale
                for i in 0..<rows {
                    let start = i * width + j * positions
                    for k in start..<(start + positions) { output.storage[k] = input.storage[k] * scale + shift }
                }
            }
            return
        }
        normalized.resize(rows: rows, columns: width)
        if inverseDeviation.count != channels { inverseDeviation = Array(repeating: 0, count: channels) }
        for j in 0..<channels {
            var mean: T = 0
            for i in 0..<rows {
                let start = i * width + j * positions
                for k in start..<(start + positions) { mean += input.storage[k] }
            }
            mean /= T(count)
            var variance: T = 0
            for i in 0..<rows {
                let start = i * width + j * positions
                for k in start..<(start + positions) { let d = input.storage[k] - mean; variance += d * d }
            }
            variance /= T(count)
            let inverse = 1 / (variance + T(epsilon)).squareRoot()
            inverseDeviation[j] = inverse
            let g = gamma.value.storage[j], b = beta.value.storage[j]
            for i in 0..<rows {
                let start = i * width + j * positions
                for k in start..<(start + positions) {
                    let xhat = (input.storage[k] - mean) * inverse
                    normalized.storage[k] = xhat
                    output.storage[k] = g * xhat + b
                }
            }
            if mode == .training {
                runningMean[j] = momentum * runningMean[j] + (1 - momentum) * Double(mean)
                let batchVariance = unbiasedRunningVariance ? Double(variance) * Double(count) / Double(count - 1) : Double(variance)
                runningVariance[j] = momentum * runningVariance[j] + (1 - momentum) * batchVariance
            }
        }
    }

    /// dx = (γ/σ)/m · (m·dy - Σdy - x̂·Σ(dy·x̂)); dγ = Σ(dy·x̂); dβ = Σdy.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                         inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        let rows = outputGradient.rows, width = outputGradient.columns, positions = positions
        if computeInputGradient { inputGradient.resize(rows: rows, columns: width) }
        for j in 0..<channels {
            var sumDy: T = 0, sumDyXhat: T = 0
            for i in 0..<rows {
                let start = i * width + j * positions
                for k in start..<(start + positions) {
                    let dy = outputGradient.storage[k]
                    sumDy += dy
                    sumDyXhat += dy * normalized.storage[k]
                }
            }
            gamma.gradient.storage[j] = sumDyXhat
            beta.gradient.storage[j] = sumDy
            guard computeInputGradient else { continue }
            let m = T(rows * positions)
            let factor = gamma.value.storage[j] * inverseDeviation[j] / m
            for i in 0..<rows {
                let start = i * width + j * positions
                for k in start..<(start + positions) {
                    inputGradient.storage[k] = factor * (m * outputGradient.storage[k] - sumDy - normalized.storage[k] * sumDyXhat)
                }
            }
        }
    }

    public var state: [String: ConfigValue] {
        ["running_mean": .array(runningMean.map { .number($0) }), "running_var": .array(runningVariance.map { .number($0) })]
    }

    public func restore(state: [String: ConfigValue]) throws {
        guard let mean = state["running_mean"]?.arrayValue?.compactMap(\.doubleValue),
              let variance = state["running_var"]?.arrayValue?.compactMap(\.doubleValue) else {
            throw StateMismatch("batch norm state needs \"running_mean\" and \"running_var\", \(channels) numbers each")
        }
        guard mean.count == channels, variance.count == channels, variance.allSatisfy({ $0 >= 0 && $0.isFinite }),
              mean.allSatisfy(\.isFinite) else {
            throw StateMismatch("batch norm state has \(mean.count) means and \(variance.count) variances for \(channels) units")
        }
        runningMean = mean
        runningVariance = variance
    }
}

/// Registers `batchnorm`.
public struct BatchNormDefinition: LayerDefinition {
    public static let name = "batchnorm"
    public static let summary = "Batch normalization (Ioffe and Szegedy 2015) with learned γ, β and running averages."
    public static let parameters: [ParameterSpec] = [
        .number("momentum", default: 0.9, min: 0, max: 1, exclusiveMax: true, "Weight of the old running average per step."),
        .number("epsilon", default: 1e-5, min: 0, exclusiveMin: true, "Added to the variance."),
        .choice("running_variance", ["biased", "unbiased"], default: "biased",
                "The batch variance the running average takes: biased (÷m, as normalized) or unbiased (÷(m-1), PyTorch's)."),
    ]

    public static func parameterCount(config: ResolvedConfig, inputUnits: Int) -> Double { 2 * Double(inputUnits) }
    /// Shaped rows: one γ and β per channel.
    public static func parameterCount(config: ResolvedConfig, inputShape: [Int]) -> Double { 2 * Double(inputShape[0]) }
    public static func outputShape(config: ResolvedConfig, inputShape: [Int]) throws -> [Int] { inputShape }

    public static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        BatchNorm<T>(units: context.inputShape[0], positions: context.inputUnits / max(context.inputShape[0], 1), momentum: config.double("momentum"), epsilon: config.double("epsilon"),
                     unbiasedRunningVariance: config.string("running_variance") == "unbiased")
    }
}
