/// A penalty on weights: its term in the cost and that term's gradient.
public protocol Regularizer: Component {
    /// The cost term for one weight tensor, for a gradient computed on `examples` examples.
    func cost<T: Scalar>(_ weights: Tensor<T>, examples: Int) -> Double
    /// Adds the term's gradient to `gradient`.
    func addGradient<T: Scalar>(_ weights: Tensor<T>, examples: Int, to gradient: inout Tensor<T>)
}
