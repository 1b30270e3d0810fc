import GradwellProtocols

/// A model's whole state as typed values: what `model/save` writes and `model/load` reads.
/// The host turns it into JSON and back; numerics never see the file format.
public struct ModelSnapshot: Sendable {
    public struct TensorValues: Sendable, Equatable {
        public var name: String
        public var rows: Int
        public var columns: Int
        /// Values in the model's dtype, widened to Double (exact for float32).
        public var values: [Double]
        public init(name: String, rows: Int, columns: Int, values: [Double]) {
            self.name = name
            self.rows = rows
            self.columns = columns
            self.values = values
        }
    }

    public struct OptimizerState: Sendable {
        public var config: ResolvedConfig
        public var step: Int
        /// Per parameter (in `parameters` order), the state tensors in `slots` order.
        public var state: [[TensorValues]]
        public init(config: ResolvedConfig, step: Int, state: [[TensorValues]]) {
            self.config = config
            self.step = step
            self.state = state
        }
    }

    public var specification: ModelSpecification
    public var parameters: [TensorValues]
    /// Each layer's non-trainable state (`Layer.state`).
    public var layerStates: [[String: ConfigValue]]
    public var optimizer: OptimizerState?
    public var epochsTrained: Int
    public var normalization: Normalization?

    public init(specification: ModelSpecification, parameters: [TensorValues], layerStates: [[String: ConfigValue]],
                optimizer: OptimizerState?, epochsTrained: Int, normalization: Normalization?) {
        self.specification = specification
        self.parameters = parameters
        self.layerStates = layerStates
        self.optimizer = optimizer
        self.epochsTrained = epochsTrained
        self.normalization = normalization
    }
}

extension Model {
    public func snapshot() -> ModelSnapshot {
        let named = network.namedParameters
        let parameters = named.map { ModelSnapshot.TensorValues(name: $0.name, rows: $0.parameter.value.rows,
                                                                 columns: $0.parameter.value.columns,
                                                                 values: $0.parameter.value.storage.map(Double.init)) }
        var optimizer: ModelSnapshot.OptimizerState?
        if let optimizerConfig {
            let state = zip(named, optimizerState).map { entry, slots in
                slots.map { ModelSnapshot.TensorValues(name: entry.name, rows: $0.rows, columns: $0.columns,
                                                       values: $0.storage.map(Double.init)) }
            }
            optimizer = ModelSnapshot.OptimizerState(config: optimizerConfig, step: optimizerStep, state: state)
        }
        return ModelSnapshot(specification: specification, parameters: parameters,
                             layerStates: network.layers.map(\.state), optimizer: optimizer,
                             epochsTrained: epochsTrained, normalization: normalization)
    }

    /// A saved tensor in this model's dtype; refused when a finite value does not fit (1e300 in
    /// float32). Files hold finite values only; a snapshot of a diverged model in memory (copied
    /// for `gradcheck`, kept by `restore_best`) keeps its non-finite ones.
    private static func tensor(_ saved: ModelSnapshot.TensorValues, what: String) throws -> Tensor<T> {
        let storage = saved.values.map { T($0) }
        if let index = storage.indices.first(where: { !storage[$0].isFinite && saved.values[$0].isFinite }) {
            throw StateMismatch("\(what)[\(index)] = \(saved.values[index]) does not fit in \(T.self == Float.self ? "float32" : "float64")")
        }
        return Tensor(rows: saved.rows, columns: saved.columns, storage: storage)
    }

    /// Overwrites this freshly built model's state with `snapshot`'s, checking every shape.
    public func restore(_ snapshot: ModelSnapshot) throws {
        let named = network.namedParameters
        guard snapshot.parameters.count == named.count else {
            throw StateMismatch("the file holds \(snapshot.parameters.count) parameter tensors, the architecture has \(named.count)")
        }
        for (entry, saved) in zip(named, snapshot.parameters) {
            let value = entry.parameter.value
            guard saved.name == entry.name else {
                throw StateMismatch("the file's parameter tensors are out of order: \(entry.name) expected, \"\(saved.name)\" found")
            }
            guard saved.rows == value.rows, saved.columns == value.columns, saved.values.count == value.count else {
                throw StateMismatch("\(entry.name) is (\(saved.rows), \(saved.columns)) in the file, the architecture needs (\(value.rows), \(value.columns))")
            }
            entry.parameter.value = try Self.tensor(saved, what: entry.name)
        }
        guard snapshot.layerStates.count == network.layers.count else {
            throw StateMismatch("the file holds the state of \(snapshot.layerStates.count) layers, the architecture has \(network.layers.count)")
        }
        for (index, (layer, state)) in zip(network.layers, snapshot.layerStates).enumerated() {
            do {
                try layer.restore(state: state)
            } catch {
                throw StateMismatch("layer_state[\(index)]: \(error)")
            }
        }
        if let optimizer = snapshot.optimizer {
            guard optimizer.state.count == named.count else {
                throw StateMismatch("optimizer state covers \(optimizer.state.count) parameters, the model has \(named.count)")
            }
            optimizerState = try zip(named, optimizer.state).map { entry, slots in
                try slots.map { saved in
                    guard saved.rows == entry.parameter.value.rows, saved.columns == entry.parameter.value.columns,
                          saved.values.count == saved.rows * saved.columns else {
                        throw StateMismatch("optimizer state of \(entry.name) has the wrong shape")
                    }
                    return try Self.tensor(saved, what: "the optimizer state of \(entry.name)")
                }
            }
            optimizerConfig = optimizer.config
            optimizerStep = optimizer.step
        }
        epochsTrained = snapshot.epochsTrained
        normalization = snapshot.normalization
    }
}
