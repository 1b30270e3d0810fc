import GradwellProtocols

/// What `model/create` asks for, resolved against the registry.
public struct ModelSpecification: Sendable {
    /// The width of an input row (the product of `inputShape`).
    public var input: Int { Shape.units(inputShape) }
    /// The shape of an input row: `[features]`, `[channels, length]` or `[channels, height, width]`.
    public var inputShape: [Int]
    public var layers: [ResolvedConfig]
    public var loss: ResolvedConfig
    public var dtype: DType
    public var seed: UInt64
    public var rng: RandomStream.Family

    public init(input: Int, layers: [ResolvedConfig], loss: ResolvedConfig, dtype: DType, seed: UInt64, rng: RandomStream.Family) {
        self.init(inputShape: [input], layers: layers, loss: loss, dtype: dtype, seed: seed, rng: rng)
    }

    public init(inputShape: [Int], layers: [ResolvedConfig], loss: ResolvedConfig, dtype: DType, seed: UInt64, rng: RandomStream.Family) {
        self.inputShape = inputShape
        self.layers = layers
        self.loss = loss
        self.dtype = dtype
        self.seed = seed
        self.rng = rng
    }

    /// The output row shape of each layer, from the definitions alone; throws the index of the
    /// first layer that cannot take its input's shape, with the mismatch.
    public func layerShapes(registry: Registry) throws(LayerShapeError) -> [[Int]] {
        var shape = inputShape
        var shapes: [[Int]] = []
        for (index, config) in layers.enumerated() {
            do {
                shape = try registry.layerDefinition(config).outputShape(config: config, inputShape: shape)
            } catch let mismatch as ShapeMismatch {
                throw LayerShapeError(layer: index, mismatch: mismatch)
            } catch {
                throw LayerShapeError(layer: index, mismatch: ShapeMismatch(expected: "a shape it can take", got: "\(error)"))
            }
            shapes.append(shape)
        }
        return shapes
    }

    /// The most elements any one batch row needs in a buffer: the input, a layer's output, or a
    /// layer's workspace (a convolution's windows). A batch of n rows needs n times this.
    public func widestRow(registry: Registry) -> Double {
        guard let shapes = try? layerShapes(registry: registry) else { return Double(input) }
        var widest = Double(input)
        for (index, config) in layers.enumerated() {
            let shape = index == 0 ? inputShape : shapes[index - 1]
            widest = max(widest, shapes[index].reduce(1.0) { $0 * Double($1) },
                         registry.layerDefinition(config).workspaceUnits(config: config, inputShape: shape))
        }
        return widest
    }

    /// Output width of each layer, from the definitions alone (0 where a shape does not fit).
    public func layerWidths(registry: Registry) -> [Int] {
        (try? layerShapes(registry: registry))?.map(Shape.units) ?? layers.map { _ in 0 }
    }

    /// The number of trainable scalars, before anything is allocated.
    public func parameterCount(registry: Registry) -> Double {
        guard let shapes = try? layerShapes(registry: registry) else { return 0 }
        var total = 0.0
        for (index, config) in layers.enumerated() {
            total += registry.layerDefinition(config).parameterCount(config: config, inputShape: index == 0 ? inputShape : shapes[index - 1])
        }
        return total
    }
}

/// A layer of a model specification that cannot take the shape the previous layer gives.
public struct LayerShapeError: Error, Sendable {
    public var layer: Int
    public var mismatch: ShapeMismatch
}

/// A model of either element type, as the host holds it.
public protocol TrainableModel: AnyObject {
    var specification: ModelSpecification { get }
    var parameterCount: Int { get }
    var inputUnits: Int { get }
    var outputUnits: Int { get }
    /// Columns the targets of a compatible data set have.
    var targetColumns: Int { get }
    var loss: any Loss { get }
    /// Statistics applied to inputs before they reach the network (`dataset/normalize`).
    var normalization: Normalization? { get set }
    /// Epochs trained over the model's life (shuffles and resumed runs count from it).
    var epochsTrained: Int { get }
    /// The smallest training batch every layer can take (batch norm needs 2).
    var minimumTrainingBatch: Int { get }

    func train(_ plan: TrainingPlan, data: Dataset, observer: TrainingObserver) -> TrainingResult
    func evaluate(_ data: Dataset) -> Evaluation
    func predict(features: [Double], rows: Int) -> Prediction
    func snapshot() -> ModelSnapshot
    func restore(_ snapshot: ModelSnapshot) throws
}

/// Builds models from specifications.
public enum ModelFactory {
    /// Builds and initializes a model. Weights are drawn per layer from the layer's own stream,
    /// or from one NumPy stream for the whole model with `rng: numpy` (the course's order).
    public static func build(_ specification: ModelSpecification, registry: Registry) throws -> any TrainableModel {
        switch specification.dtype {
        case .float32: try Model<Float>(specification, registry: registry)
        case .float64: try Model<Double>(specification, registry: registry)
        }
    }
}

/// A network with everything training keeps between requests: optimizer state, epoch count.
public final class Model<T: Scalar>: TrainableModel {
    public internal(set) var specification: ModelSpecification
    public let network: Network<T>
    public var normalization: Normalization?
    public internal(set) var epochsTrained = 0
    /// The optimizer config whose state is kept; a `train` with another one starts fresh state.
    var optimizerConfig: ResolvedConfig?
    /// Per parameter, the optimizer's state tensors (in `slots` order).
    var optimizerState: [[Tensor<T>]] = []
    var optimizerStep = 0
    var trainingWorkspace: Workspace<T>
    var evaluationWorkspace: Workspace<T>
    /// Steps split by rows across threads (dense networks, `--threads` > 1), built on first use.
    lazy var dataParallelStep: DataParallelStep<T>? = DataParallelStep(network: network)

    public init(_ specification: ModelSpecification, registry: Registry) throws {
        self.specification = specification
        var shared = RandomStream.make(specification.rng, seed: specification.seed)
        var layers: [any Layer<T>] = []
        var shape = specification.inputShape
        let shapes = try specification.layerShapes(registry: registry)
        for (index, config) in specification.layers.enumerated() {
            let initialization = specification.rng == .numpy
                ? shared : RandomStream.make(.gradwell, seed: specification.seed, path: [UInt64(index), 0])
            var context = LayerContext(inputUnits: Shape.units(shape), index: index, initialization: initialization,
                                       ownStream: RandomStream.make(.gradwell, seed: specification.seed, path: [UInt64(index), 1]),
                                       registry: registry, inputShape: shape)
            let layer = try registry.layerDefinition(config).make(config: config, context: &context, as: T.self)
            if specification.rng == .numpy { shared = context.initialization }
            // A layer must fill the shape its definition promised (a plugin's mistake otherwise).
            guard layer.outputUnits == Shape.units(shapes[index]) else {
                throw ConfigProblem(field: "layers[\(index)]", expected: "a \(config.type) layer that fills the rows its definition promised, \(Shape.describe(shapes[index]))",
                                    got: "rows of \(layer.outputUnits)")
            }
            layers.append(layer)
            shape = shapes[index]
        }
        let loss = try registry.makeLoss(specification.loss)
        network = try Network(layers: layers, loss: loss, inputUnits: specification.input)
        trainingWorkspace = Workspace(layerCount: layers.count)
        evaluationWorkspace = Workspace(layerCount: layers.count)
    }

    public var parameterCount: Int { network.namedParameters.reduce(0) { $0 + $1.parameter.value.count } }
    public var inputUnits: Int { specification.input }
    public var outputUnits: Int { network.outputUnits }
    public var targetColumns: Int { network.loss.targetColumns(outputs: outputUnits) }
    public var loss: any Loss { network.loss }
    public var minimumTrainingBatch: Int { network.layers.map(\.minimumTrainingBatch).max() ?? 1 }

    /// Features as a tensor; raw inputs (`predict`) get the model's normalization first, while
    /// data sets are already in the normalized space they were trained in.
    func inputTensor(_ features: [Double], rows: Int, normalize: Bool = false) -> Tensor<T> {
        var values = features
        if normalize { normalization?.apply(to: &values, columns: inputUnits) }
        return values.withUnsafeBufferPointer { Tensor(rows: rows, columns: inputUnits, converting: $0) }
    }

    /// Cost and accuracy over a whole set in inference mode, in chunks to bound memory.
    public func evaluate(_ data: Dataset) -> Evaluation {
        evaluate(x: data.featureTensor(T.self), y: data.targetTensor(T.self))
    }

    /// Rows per chunk of an evaluation or prediction: 8192, fewer when that many rows of the
    /// widest buffer would pass 2^26 elements (a very wide layer or a large convolution).
    var rowsPerChunk: Int {
        let widest = network.layers.reduce(max(inputUnits, 1)) { max($0, $1.outputUnits, $1.workspaceUnits) }
        return max(1, min(8192, (1 << 26) / widest))
    }

    func evaluate(x: Tensor<T>, y: Tensor<T>) -> Evaluation {
        let chunk = rowsPerChunk
        var costSum = 0.0
        var correct: Int? = 0
        var yChunk = Tensor<T>()
        var start = 0
        while start < x.rows {
            let indices = Array(start..<min(start + chunk, x.rows))[...]
            x.gatherRows(indices, into: &evaluationWorkspace.activations[0])
            y.gatherRows(indices, into: &yChunk)
            network.forward(&evaluationWorkspace, mode: .inference)
            let output = network.output(evaluationWorkspace)
            costSum += network.loss.cost(output: output, targets: yChunk) * Double(indices.count)
            var probabilities = output
            network.predictionActivation?.apply(&probabilities)
            if let right = network.loss.correct(predictions: probabilities, targets: yChunk), let sofar = correct {
                correct = sofar + right
            } else {
                correct = nil
            }
            start += chunk
        }
        let n = x.rows
        return Evaluation(cost: n > 0 ? costSum / Double(n) : 0,
                          accuracy: correct.map { n > 0 ? Double($0) / Double(n) : 0 }, count: n)
    }

    public func predict(features: [Double], rows: Int) -> Prediction {
        // In chunks of rows, as evaluation: each row's prediction is its own.
        let x = inputTensor(features, rows: rows, normalize: true)
        var values: [[Double]] = []
        values.reserveCapacity(rows)
        var start = 0
        let chunk = rowsPerChunk
        while start < rows {
            let end = min(start + chunk, rows)
            x.gatherRows(Array(start..<end)[...], into: &evaluationWorkspace.activations[0])
            let output = network.predictions(&evaluationWorkspace)
            for r in 0..<output.rows { values.append((0..<output.columns).map { Double(output[r, $0]) }) }
            start = end
        }
        switch network.predictionActivation {
        case .sigmoid?:
            // One sigmoid output is a binary label; several are independent 0/1 labels per row.
            if network.outputUnits == 1 {
                return Prediction(labels: values.map { $0[0] > 0.5 ? 1.0 : 0.0 }, values: values, probabilities: true)
            }
            return Prediction(labels: nil, labelRows: values.map { $0.map { $0 > 0.5 ? 1.0 : 0.0 } },
                              values: values, probabilities: true)
        case .softmax?:
            let labels = values.map { row -> Double in
                var best = 0
                for j in row.indices where row[j] > row[best] { best = j }
                return Double(best)
            }
            return Prediction(labels: labels, values: values, probabilities: true)
        default:
            return Prediction(labels: nil, values: values, probabilities: false)
        }
    }
}
