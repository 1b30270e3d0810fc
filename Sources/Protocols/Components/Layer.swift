/// Whether a forward pass is part of training (dropout active, batch statistics) or not.
public enum Mode: Sendable {
    case training
    case inference
    /// Training's computations without their side effects: batch statistics but no dropout and
    /// no update of running averages, so a gradient check sees one fixed function.
    case gradientCheck
}

/// A trainable tensor of a layer with its gradient, shared by reference with the optimizer.
public final class Parameter<T: Scalar> {
    /// The name within its layer: "W", "b", "gamma", "beta".
    public let name: String
    public var value: Tensor<T>
    public var gradient: Tensor<T>
    /// Whether weight penalties (L2, L1) apply: weights yes; biases and batch-norm parameters no.
    public let regularized: Bool

    public init(name: String, value: Tensor<T>, regularized: Bool) {
        self.name = name
        self.value = value
        self.gradient = Tensor(rows: value.rows, columns: value.columns)
        self.regularized = regularized
    }
}

/// One layer of a network: forward, and backward right beside it.
///
/// Buffers belong to the caller: `forward` writes into `output` and `backward` into
/// `inputGradient`, both resized by the layer, so a training step reuses the same storage
/// every time and allocates nothing once warmed up.
public protocol Layer<Element>: AnyObject {
    associatedtype Element: Scalar

    /// Width of the output rows.
    var outputUnits: Int { get }
    /// Trainable parameters, in a fixed order (checkpoints and optimizers rely on it).
    var parameters: [Parameter<Element>] { get }

    /// Computes the output for a batch of input rows.
    func forward(_ input: Tensor<Element>, into output: inout Tensor<Element>, mode: Mode)

    /// Given dL/d(output), accumulates nothing: it *sets* each parameter's gradient and, when
    /// `computeInputGradient`, writes dL/d(input). `input` and `output` are those of the last
    /// forward pass in training mode.
    func backward(input: Tensor<Element>, output: Tensor<Element>, outputGradient: Tensor<Element>,
                  inputGradient: inout Tensor<Element>, computeInputGradient: Bool)

    /// The activation the layer's output ends with, or nil when it does not end in one.
    var outputActivation: Activation? { get }

    /// Asks the layer to stop applying `activation` to its output, because the loss takes it
    /// over (a sigmoid or softmax fused into a cross-entropy that works from logits). Returns
    /// whether the layer did; layers that end without that activation return false.
    func handOverActivation(_ activation: Activation) -> Bool

    /// Non-trainable state that a checkpoint must keep (batch norm's running averages, a
    /// dropout layer's random stream), by name.
    var state: [String: ConfigValue] { get }
    /// Restores what `state` returned.
    func restore(state: [String: ConfigValue]) throws

    /// The smallest batch the layer can train on (batch norm needs two rows for a variance).
    var minimumTrainingBatch: Int { get }

    /// Elements per batch row the layer keeps besides its output (a convolution's windows),
    /// so that evaluation can size its chunks of rows.
    var workspaceUnits: Int { get }
}

// MARK: - Default implementations

extension Layer {
    public var parameters: [Parameter<Element>] { [] }
    public var outputActivation: Activation? { nil }
    public func handOverActivation(_ activation: Activation) -> Bool { false }
    public var state: [String: ConfigValue] { [:] }
    public func restore(state: [String: ConfigValue]) throws {}
    public var minimumTrainingBatch: Int { 1 }
    public var workspaceUnits: Int { 0 }
}

/// A layer whose output ends in an activation it applies itself (dense, a convolution, an
/// activation layer): the loss may take the activation over, and the layer then outputs logits.
public protocol EndsInActivation: Layer {
    var activation: Activation { get set }
}

extension EndsInActivation {
    public var outputActivation: Activation? { activation }

    public func handOverActivation(_ handed: Activation) -> Bool {
        guard activation == handed else { return false }
        activation = .linear
        return true
    }
}

/// What a layer is built from besides its config.
public struct LayerContext {
    /// Width of the rows the layer receives (the product of `inputShape`).
    public var inputUnits: Int
    /// The shape of one input row: `[features]`, `[channels, length]` or `[channels, height,
    /// width]`. Rows stay flat, row-major and channel-first: element (c, t) of a `[C, L]` row is
    /// at c·L + t, element (c, h, w) of a `[C, H, W]` row at (c·H + h)·W + w.
    public var inputShape: [Int]
    /// Position in the model's `layers` list (0-based); streams are derived from it.
    public var index: Int
    /// The stream weights are drawn from: the layer's own stream (model seed, index) with
    /// Gradwell's generator, or the one stream of the whole model with `"rng": "numpy"`.
    public var initialization: RandomStream
    /// The layer's own stream for training-time randomness (dropout masks).
    public var ownStream: RandomStream
    /// The registry, to build nested components (a dense layer's initializer).
    public var registry: Registry

    public init(inputUnits: Int, index: Int, initialization: RandomStream, ownStream: RandomStream, registry: Registry,
                inputShape: [Int]? = nil) {
        self.inputUnits = inputUnits
        self.inputShape = inputShape ?? [inputUnits]
        self.index = index
        self.initialization = initialization
        self.ownStream = ownStream
        self.registry = registry
    }
}

/// Registers a layer type: its name, schema, and how to build it for an element type.
public protocol LayerDefinition: ComponentDescription {
    /// Builds the layer for element type `T`, drawing initial weights from `context.initialization`.
    static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T>
    /// The number of trainable scalars the layer will have, checked against the host's bound
    /// before anything is allocated.
    static func parameterCount(config: ResolvedConfig, inputUnits: Int) -> Double
    /// The output width for a given input width, known before building.
    static func outputUnits(config: ResolvedConfig, inputUnits: Int) -> Int
    /// The shape of an output row for an input row of `inputShape`, known before building;
    /// throws `ShapeMismatch` when the layer cannot take that shape.
    static func outputShape(config: ResolvedConfig, inputShape: [Int]) throws -> [Int]
    /// The number of trainable scalars for an input row of `inputShape`.
    static func parameterCount(config: ResolvedConfig, inputShape: [Int]) -> Double
    /// Elements per batch row the layer will keep besides its output (`Layer.workspaceUnits`),
    /// checked against the host's bound before a batch is run.
    static func workspaceUnits(config: ResolvedConfig, inputShape: [Int]) -> Double
}

/// A layer that cannot take the shape it is given: what it takes, and the fix.
public struct ShapeMismatch: Error, Sendable {
    public var expected: String
    public var got: String
    public init(expected: String, got: String) {
        self.expected = expected
        self.got = got
    }
}

extension LayerDefinition {
    public static func parameterCount(config: ResolvedConfig, inputUnits: Int) -> Double { 0 }
    public static func outputUnits(config: ResolvedConfig, inputUnits: Int) -> Int { inputUnits }
    /// Flat layers (dense, and plugin layers that do not say otherwise) take flat rows only.
    public static func outputShape(config: ResolvedConfig, inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 1 else {
            throw ShapeMismatch(expected: "flat rows (put {\"type\": \"flatten\"} before it)",
                                got: "rows shaped \(Shape.describe(inputShape))")
        }
        return [outputUnits(config: config, inputUnits: inputShape[0])]
    }
    public static func parameterCount(config: ResolvedConfig, inputShape: [Int]) -> Double {
        parameterCount(config: config, inputUnits: Shape.units(inputShape))
    }
    public static func workspaceUnits(config: ResolvedConfig, inputShape: [Int]) -> Double { 0 }
}

/// Row shapes.
public enum Shape {
    /// "[25, 19]".
    public static func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
    /// The element count of a row of this shape; Int.max when it does not fit an Int (the host
    /// then refuses the size, -32002, before anything is built).
    public static func units(_ shape: [Int]) -> Int {
        shape.reduce(1) { product, size in
            let (result, overflow) = product.multipliedReportingOverflow(by: size)
            return overflow ? Int.max : result
        }
    }
}
