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
    /// Steps computed independently of this code (by hand, or in NumPy from the paper's
    /// formulas) that `gradwell check` replays through `update` in float64: an off-by-one bias
    /// correction or a lost momentum term fails there. Empty when the optimizer gives none.
    static var references: [OptimizerReference] { get }
}

extension Optimizer {
    public static var references: [OptimizerReference] { [] }
}

/// A short trajectory of one parameter vector under fixed gradients: the config (members besides
/// `type`), the starting values, the gradient given at each step, and the parameter expected
/// after each step, compared with a relative tolerance.
public struct OptimizerReference: Sendable {
    public var config: [ConfigEntry]
    public var initial: [Double]
    public var gradients: [[Double]]
    public var expected: [[Double]]
    public var tolerance: Double

    public init(config: [ConfigEntry], initial: [Double], gradients: [[Double]], expected: [[Double]], tolerance: Double = 1e-12) {
        self.config = config
        self.initial = initial
        self.gradients = gradients
        self.expected = expected
        self.tolerance = tolerance
    }
}
