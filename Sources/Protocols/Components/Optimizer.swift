/// An update rule: settings plus explicit per-parameter state that it returns to the caller,
/// so a checkpoint saves it and a resumed run continues bit for bit.
public protocol Optimizer: Component {
    /// The base learning rate (`lr`); a schedule scales from it.
    var learningRate: Double { get }
    /// Names of the per-parameter state tensors (e.g. ["m", "v"]); each is shaped like its
    /// parameter and starts at zero.
    var stateSlots: [String] { get }
    /// Applies one step to one parameter. `step` counts from 1 (Adam's bias correction needs it).
    func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                           step: Int, learningRate: Double)
}
