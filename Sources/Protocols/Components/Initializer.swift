/// Fills a weight matrix of shape (fanOut, fanIn) with its starting values.
public protocol Initializer: Component {
    /// Fills `weights` row by row, drawing from `random` in that order (the course's order,
    /// so `"rng": "numpy"` reproduces `np.random.randn(units, fan_in) * factor`).
    func fill<T: Scalar>(_ weights: inout Tensor<T>, fanIn: Int, fanOut: Int, random: inout RandomStream)
    /// The variance the values should have (for the conformance check), or nil when not random.
    func expectedVariance(fanIn: Int, fanOut: Int) -> Double?
}

extension Initializer {
    public func expectedVariance(fanIn: Int, fanOut: Int) -> Double? { nil }
}
