import GradwellProtocols

/// Binary cross-entropy computed from logits z: max(z, 0) - z·y + log(1 + e^-|z|).
///
/// It takes over the network's final sigmoid, so a saturated output gives a large finite cost
/// (the course's own formula gives infinity at the first step of its large-random run).
public struct BinaryCrossEntropy: Loss {
    public static let name = "binary_cross_entropy"
    public static let summary = "Binary cross-entropy on 0/1 targets, computed stably from logits."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}

    public var fusedActivation: Activation? { .sigmoid }
    public func targetColumns(outputs: Int) -> Int { outputs }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func cost<T: Scalar>(output: Tensor<T>, targets: Tensor<T>) -> Double {
        var total = 0.0
        output.storage.withUnsafeBufferPointer { z in
            targets.storage.withUnsafeBufferPointer { y in
                for i in 0..<output.count { total += Self.term(z[i], y[i]) }
            }
        }
        return total / Double(max(output.rows, 1))
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func gradient<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>) {
        _ = pass(output: output, targets: targets, into: &gradient, cost: false)
    }

    /// Both in one pass over the outputs, each computed exactly as `cost` and `gradient` do.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func costAndGradient<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>) -> Double {
        pass(output: output, targets: targets, into: &gradient, cost: true)
    }

    /// One output's cost, in Double: max(z, 0) - z·y + log(1 + e^-|z|).
    @inline(__always)
    private static func term<T: Scalar>(_ output: T, _ target: T) -> Double {
        let z = Double(output), y = Double(target)
        return max(z, 0) - z * y + Double.log1p(Double.exp(-abs(z)))
    }

    /// The gradient (sigmoid(z) - y)/rows, in T, and the mean cost when `cost` is set.
    @inline(__always)
    private func pass<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>, cost: Bool) -> Double {
        gradient.resize(rows: output.rows, columns: output.columns)
        let scale = 1 / T(max(output.rows, 1)), count = output.count
        var total = 0.0
        output.storage.withUnsafeBufferPointer { z in
            targets.storage.withUnsafeBufferPointer { y in
                gradient.storage.withUnsafeMutableBufferPointer { g in
                    for i in 0..<count {
                        if cost { total += Self.term(z[i], y[i]) }
                        g[i] = (Activation.sigmoid(z[i]) - y[i]) * scale
                    }
                }
            }
        }
        return total / Double(max(output.rows, 1))
    }

    /// A row is right when every output, thresholded at 0.5, equals its target (the course's `a > 0.5`).
    public func correct<T: Scalar>(predictions: Tensor<T>, targets: Tensor<T>) -> Int? {
        var right = 0
        for row in 0..<predictions.rows {
            var all = true
            for column in 0..<predictions.columns {
                let predicted: T = predictions[row, column] > T(0.5) ? 1 : 0
                if predicted != targets[row, column] { all = false; break }
            }
            if all { right += 1 }
        }
        return right
    }
}
