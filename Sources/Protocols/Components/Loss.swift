/// A training objective over a batch: the mean cost and its gradient with respect to the
/// network's output.
///
/// Targets are a (rows, k) tensor whose meaning the loss defines: 0/1 labels for binary
/// cross-entropy, class indices in one column for softmax cross-entropy, values for MSE.
public protocol Loss: Component {
    /// The output activation this loss takes over to compute from logits (sigmoid, softmax), if any.
    var fusedActivation: Activation? { get }
    /// The columns the targets have for a network with `outputs` outputs.
    func targetColumns(outputs: Int) -> Int
    /// Mean cost over the rows. `output` is logits when the activation was handed over.
    func cost<T: Scalar>(output: Tensor<T>, targets: Tensor<T>) -> Double
    /// d(mean cost)/d(output), written into `gradient`.
    func gradient<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>)
    /// Both at once, as a training step needs them: the mean cost, returned, and its gradient,
    /// written into `gradient`. A loss whose cost and gradient share work (softmax
    /// cross-entropy's exponentials) computes them in one pass; the default calls `cost`, then
    /// `gradient`. It must give the same values as those two.
    func costAndGradient<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>) -> Double
    /// How many rows are predicted right, from the final activations (probabilities), or nil
    /// when accuracy means nothing for this loss.
    func correct<T: Scalar>(predictions: Tensor<T>, targets: Tensor<T>) -> Int?
}

extension Loss {
    public func costAndGradient<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>) -> Double {
        let cost = cost(output: output, targets: targets)
        self.gradient(output: output, targets: targets, into: &gradient)
        return cost
    }
}
