import GradwellProtocols

/// Softmax cross-entropy on class-index targets, from logits: logsumexp(z) - z[label].
public struct SoftmaxCrossEntropy: Loss {
    public static let name = "softmax_cross_entropy"
    public static let summary = "Cross-entropy of a softmax over classes; targets are class indices."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}

    public var fusedActivation: Activation? { .softmax }
    public func targetColumns(outputs: Int) -> Int { 1 }

    /// Mean of logsumexp(z) - z[label]. The exponentials are taken in T (once, shared with the
    /// gradient in training) and summed in Double; in float64 that is the exact formula.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func cost<T: Scalar>(output: Tensor<T>, targets: Tensor<T>) -> Double {
        let rows = output.rows, width = output.columns
        guard rows > 0, width > 0 else { return 0 }
        var total = 0.0
        output.storage.withUnsafeBufferPointer { z in
            targets.storage.withUnsafeBufferPointer { t in
                for row in 0..<rows {
                    let base = row * width
                    let (largest, _, sum) = Self.exponentials(z.baseAddress! + base, width: width, into: nil)
                    total += Double(largest) + Double.log(sum) - Double(z[base + Int(t[row])])
                }
            }
        }
        return total / Double(rows)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func gradient<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>) {
        _ = costAndGradient(output: output, targets: targets, into: &gradient)
    }

    /// One pass per row for both: the softmax's exponentials serve the cost's log-sum-exp.
    /// The gradient is (softmax(z) - onehot(label)) / rows, computed as softmax then minus one
    /// then scaled, in that order.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func costAndGradient<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>) -> Double {
        let rows = output.rows, width = output.columns
        gradient.resize(rows: rows, columns: width)
        guard rows > 0, width > 0 else { return 0 }
        let scale = 1 / T(rows)
        var total = 0.0
        output.storage.withUnsafeBufferPointer { z in
            targets.storage.withUnsafeBufferPointer { t in
                gradient.storage.withUnsafeMutableBufferPointer { g in
                    for row in 0..<rows {
                        let base = row * width, label = Int(t[row])
                        let e = g.baseAddress! + base
                        let (largest, sum, wideSum) = Self.exponentials(z.baseAddress! + base, width: width, into: e)
                        total += Double(largest) + Double.log(wideSum) - Double(z[base + label])
                        let inverse = 1 / sum
                        for j in 0..<width { e[j] *= inverse }
                        e[label] -= 1
                        for j in 0..<width { e[j] *= scale }
                    }
                }
            }
        }
        return total / Double(rows)
    }

    /// exp(z_j - max z) for one row of `width` logits, written to `e` when given; returns the
    /// largest logit and the exponentials' sum in T and in Double.
    @inline(__always)
    private static func exponentials<T: Scalar>(_ z: UnsafePointer<T>, width: Int,
                                                into e: UnsafeMutablePointer<T>?) -> (T, T, Double) {
        var largest = z[0]
        for j in 1..<width { largest = max(largest, z[j]) }
        var sum: T = 0
        var wide = 0.0
        for j in 0..<width {
            let value = T.exp(z[j] - largest)
            e?[j] = value
            sum += value
            wide += Double(value)
        }
        return (largest, sum, wide)
    }

    /// A row is right when its largest probability is at the target class (first one on ties).
    public func correct<T: Scalar>(predictions: Tensor<T>, targets: Tensor<T>) -> Int? {
        var right = 0
        for row in 0..<predictions.rows {
            var best = 0
            for j in 1..<max(predictions.columns, 1) where predictions[row, j] > predictions[row, best] { best = j }
            if best == Int(targets.storage[row]) { right += 1 }
        }
        return right
    }
}
