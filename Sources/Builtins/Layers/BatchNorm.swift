import GradwellProtocols

/// Batch normalization (Ioffe and Szegedy 2015): each unit normalized over the batch, then
/// scaled by γ and shifted by β. Training uses the batch's statistics and updates running
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
    public var outputUnits: Int { gamma.value.columns }
    public var parameters: [Parameter<T>] { [gamma, beta] }
    public var minimumTrainingBatch: Int { 2 }
    private(set) var runningMean: [Double]
    private(set) var runningVariance: [Double]
    // Kept from the training forward pass for backward.
    private var normalized = Tensor<T>()
    private var inverseDeviation: [T] = []

    init(units: Int, momentum: Double, epsilon: Double, unbiasedRunningVariance: Bool) {
        self.unbiasedRunningVariance = unbiasedRunningVariance
        gamma = Parameter(name: "gamma", value: Tensor(rows: 1, columns: units, repeating: 1), regularized: false)
        beta = Parameter(name: "beta", value: Tensor(rows: 1, columns: units), regularized: false)
        self.momentum = momentum
        self.epsilon = epsilon
        runningMean = Array(repeating: 0, count: units)
        runningVariance = Array(repeating: 1, count: units)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        let rows = input.rows, units = input.columns
        output.resize(rows: rows, columns: units)
        if mode == .inference {
            for j in 0..<units {
                let scale = gamma.value.storage[j] / T((runningVariance[j] + epsilon).squareRoot())
                let shift = beta.value.storage[j] - T(runningMean[j]) * scale
                for i in 0..<rows { output.storage[i * units + j] = input.storage[i * units + j] * scale + shift }
            }
            return
        }
        normalized.resize(rows: rows, columns: units)
        if inverseDeviation.count != units { inverseDeviation = Array(repeating: 0, count: units) }
        for j in 0..<units {
            var mean: T = 0
            for i in 0..<rows { mean += input.storage[i * units + j] }
            mean /= T(rows)
            var variance: T = 0
            for i in 0..<rows { let d = input.storage[i * units + j] - mean; variance += d * d }
            variance /= T(rows)
            let inverse = 1 / (variance + T(epsilon)).squareRoot()
            inverseDeviation[j] = inverse
            let g = gamma.value.storage[j], b = beta.value.storage[j]
            for i in 0..<rows {
                let xhat = (input.storage[i * units + j] - mean) * inverse
                normalized.storage[i * units + j] = xhat
                output.storage[i * units + j] = g * xhat + b
            }
            if mode == .training {
                runningMean[j] = momentum * runningMean[j] + (1 - momentum) * Double(mean)
                let batchVariance = unbiasedRunningVariance ? Double(variance) * Double(rows) / Double(rows - 1) : Double(variance)
                runningVariance[j] = momentum * runningVariance[j] + (1 - momentum) * batchVariance
            }
        }
    }

    /// dx = (γ/σ)/m · (m·dy - Σdy - x̂·Σ(dy·x̂)); dγ = Σ(dy·x̂); dβ = Σdy.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                         inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        let rows = outputGradient.rows, units = outputGradient.columns
        if computeInputGradient { inputGradient.resize(rows: rows, columns: units) }
        for j in 0..<units {
            var sumDy: T = 0, sumDyXhat: T = 0
            for i in 0..<rows {
                let dy = outputGradient.storage[i * units + j]
                sumDy += dy
                sumDyXhat += dy * normalized.storage[i * units + j]
            }
            gamma.gradient.storage[j] = sumDyXhat
            beta.gradient.storage[j] = sumDy
            guard computeInputGradient else { continue }
            let m = T(rows)
            let factor = gamma.value.storage[j] * inverseDeviation[j] / m
            for i in 0..<rows {
                let index = i * units + j
                inputGradient.storage[index] = factor * (m * outputGradient.storage[index] - sumDy - normalized.storage[index] * sumDyXhat)
            }
        }
    }

    public var state: [String: ConfigValue] {
        ["running_mean": .array(runningMean.map { .number($0) }), "running_var": .array(runningVariance.map { .number($0) })]
    }

    public func restore(state: [String: ConfigValue]) throws {
        guard let mean = state["running_mean"]?.arrayValue?.compactMap(\.doubleValue),
              let variance = state["running_var"]?.arrayValue?.compactMap(\.doubleValue) else {
            throw GradwellError(.io, "batch norm state needs \"running_mean\" and \"running_var\", \(outputUnits) numbers each")
        }
        guard mean.count == outputUnits, variance.count == outputUnits, variance.allSatisfy({ $0 >= 0 && $0.isFinite }),
              mean.allSatisfy(\.isFinite) else {
            throw GradwellError(.io, "batch norm state has \(mean.count) means and \(variance.count) variances for \(outputUnits) units")
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

    public static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        BatchNorm<T>(units: context.inputUnits, momentum: config.double("momentum"), epsilon: config.double("epsilon"),
                     unbiasedRunningVariance: config.string("running_variance") == "unbiased")
    }
}
