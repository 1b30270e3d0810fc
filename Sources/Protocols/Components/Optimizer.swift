/// An update rule in two halves, as optax writes one: `slots` says what state each parameter
/// starts with (init), `update` applies one step to a parameter and that state (update). The
/// state lives with the caller, so a checkpoint saves it and a resumed run continues bit for bit.
///
/// The learning rate is not the optimizer's: the registry gives every optimizer an `lr`
/// parameter (defaulting to `defaultLearningRate`), the training loop schedules it, and
/// `update` receives the rate of the step. The config an optimizer is built from holds
/// everything else.
public protocol Optimizer: Component {
    /// The `lr` a request gets when it gives none.
    static var defaultLearningRate: Double { get }
    /// The per-parameter state: named tensors shaped like the parameter, each filled with its
    /// initial value before the first step (Adam: m and v at 0; Adagrad: s at its accumulator).
    var slots: [StateSlot] { get }
    /// Applies one step to one parameter. `state` holds the slots in order; `step` counts from
    /// 1 (Adam's bias correction needs it); `learningRate` is the scheduled rate of this step.
    func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                           step: Int, learningRate: Double)
    /// Whether two threads may update two parameters at the same time. True by default: an
    /// optimizer is Sendable and its update reads and writes only what it is handed. Declare
    /// false when one parameter's update depends on another's (a norm over all parameters).
    static var updatesParametersIndependently: Bool { get }
    /// Steps computed independently of this code (by hand, or in NumPy from the paper's
    /// formulas) that `gradwell check` replays through `update` in float64: an off-by-one bias
    /// correction or a lost momentum term fails there. Empty when the optimizer gives none.
    static var references: [OptimizerReference] { get }
}

/// One named piece of per-parameter optimizer state and the value it starts at.
public struct StateSlot: Sendable, Equatable {
    public var name: String
    public var initial: Double

    public init(_ name: String, initial: Double = 0) {
        self.name = name
        self.initial = initial
    }
}

extension Optimizer {
    public static var updatesParametersIndependently: Bool { true }
    public static var references: [OptimizerReference] { [] }

    /// The state `parameter` starts with: one tensor per slot, shaped like it, at the slot's initial value.
    public func initialState<T: Scalar>(for parameter: Tensor<T>) -> [Tensor<T>] {
        slots.map { Tensor<T>(rows: parameter.rows, columns: parameter.columns, repeating: T($0.initial)) }
    }
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
