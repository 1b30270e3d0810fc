import GradwellProtocols

/// Everything a `train` request asks for, typed and validated by the host.
public struct TrainingPlan {
    public var epochs: Int
    /// nil: the whole set in one batch (batch gradient descent). Capped at the set's size.
    public var batchSize: Int?
    public var shuffle: Bool
    public var seed: UInt64
    public var reportEvery: Int
    public var optimizerConfig: ResolvedConfig
    public var optimizer: any Optimizer
    /// The base learning rate: the optimizer config's `lr`, which a schedule scales per epoch.
    public var learningRate: Double { optimizerConfig.double("lr") }
    public var schedule: (any Schedule)?
    public var regularizers: [any Regularizer]
    public var clip: Clip?
    public var validation: Dataset?
    public var earlyStopping: EarlyStopping?
    /// Per-layer gradient and weight norms in metrics.
    public var diagnostics: Bool
    /// When training diverges, go back to the last weights that were finite: the state at the
    /// end of the last finished epoch (or as training began).
    public var restoreOnDivergence: Bool = false
    /// Call the observer's `checkpoint` after every this many epochs (and when training ends).
    public var checkpointEvery: Int?
    /// Whether the result gets cost and accuracy over the whole training set after training
    /// (an inference pass over the set; clients that only read the epochs' metrics skip it).
    public var evaluateAtEnd = true

    public init(epochs: Int, batchSize: Int?, shuffle: Bool, seed: UInt64, reportEvery: Int,
                optimizerConfig: ResolvedConfig, optimizer: any Optimizer, schedule: (any Schedule)? = nil,
                regularizers: [any Regularizer] = [], clip: Clip? = nil, validation: Dataset? = nil,
                earlyStopping: EarlyStopping? = nil, diagnostics: Bool = false, restoreOnDivergence: Bool = false) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.reportEvery = reportEvery
        self.optimizerConfig = optimizerConfig
        self.optimizer = optimizer
        self.schedule = schedule
        self.regularizers = regularizers
        self.clip = clip
        self.validation = validation
        self.earlyStopping = earlyStopping
        self.diagnostics = diagnostics
        self.restoreOnDivergence = restoreOnDivergence
    }
}

/// Gradient clipping: rescale all gradients so their global norm is at most `maxNorm`, and/or
/// clamp each element to ±`maxValue`.
public struct Clip: Sendable {
    public var maxNorm: Double?
    public var maxValue: Double?
    public init(maxNorm: Double?, maxValue: Double?) {
        self.maxNorm = maxNorm
        self.maxValue = maxValue
    }
}

/// Stop when the validation metric has not improved by `minDelta` for `patience` epochs.
public struct EarlyStopping: Sendable {
    public enum Monitor: String, Sendable { case valCost = "val_cost", valAccuracy = "val_accuracy" }
    public var monitor: Monitor
    public var patience: Int
    public var minDelta: Double
    public var restoreBest: Bool
    public init(monitor: Monitor, patience: Int, minDelta: Double, restoreBest: Bool) {
        self.monitor = monitor
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBest = restoreBest
    }
}

/// One `metric` notification's content.
public struct MetricReport: Sendable {
    public var epoch: Int
    public var step: Int
    /// The epoch's mean training-mode cost: the loss plus the regularization term.
    public var cost: Double
    public var learningRate: Double
    /// With regularizers: the epoch's mean regularization term (the loss is `cost` minus it).
    public var regularization: Double? = nil
    public var validationCost: Double?
    public var validationAccuracy: Double?
    public var gradientNorm: Double?
    /// Per-layer figures when diagnostics are on.
    public var layers: [LayerDiagnostics]?
}

/// Per-layer health figures: vanishing/exploding gradients and dead units show up here.
public struct LayerDiagnostics: Sendable {
    public var layer: Int
    public var gradientNorm: Double
    public var weightNorm: Double
    /// ||lr · g|| / ||W||: how much one step moves the weights.
    public var updateRatio: Double
    /// Fraction of ReLU units that output zero for every example of the last batch.
    public var deadFraction: Double?
}

/// Where training hit a non-finite value.
public struct Divergence: Sendable {
    public var epoch: Int
    public var step: Int
    /// The first layer whose output was not finite, or nil when only the cost was.
    public var layer: Int?
}

/// What a `train` request returns.
public struct TrainingResult: Sendable {
    public var epochs: Int
    public var steps: Int
    /// Cost and accuracy over the whole training set in inference mode, after training (when
    /// `evaluated`: the plan asked for that pass). The cost includes the regularization term of
    /// the final weights, as the epochs' costs do; `loss` and `regularization` are its parts.
    public var cost: Double
    /// With regularizers: the loss alone (what `evaluate` reports) and the regularization term.
    public var loss: Double?
    public var regularization: Double?
    public var accuracy: Double?
    public var evaluated = true
    public var diverged: Divergence?
    public var cancelled: Bool
    public var stoppedEarly: Bool
    /// Epoch whose weights were restored (restore_best).
    public var bestEpoch: Int?
    /// After a divergence with `restoreOnDivergence`: the epoch whose end state the model went
    /// back to (nil: the state before this training began).
    public var restoredAfterDivergence: Int?? = nil
    /// Checkpoints written, and the model epoch count of the last one.
    public var checkpoints = 0
    public var lastCheckpointEpoch: Int?
    /// Why training stopped when a checkpoint could not be written.
    public var checkpointError: (any Error)?
    /// The batch size used when the requested one was larger than the set (full batch).
    public var batchSizeCapped: Int?
    public var lastCost: Double?
    public var wallMilliseconds: Double
}

/// What `evaluate` returns.
public struct Evaluation: Sendable {
    public var cost: Double
    public var accuracy: Double?
    public var count: Int
}

/// What `predict` returns: one row per input.
public struct Prediction: Sendable {
    /// Class labels (classification) or raw outputs (regression), row by row.
    public var labels: [Double]?
    /// Per-output labels, for several independent sigmoid outputs.
    public var labelRows: [[Double]]? = nil
    public var values: [[Double]]
    /// True when `values` are probabilities.
    public var probabilities: Bool
}

/// Callbacks a running `train` uses to report and to learn it should stop.
public struct TrainingObserver {
    public var onMetric: (MetricReport) -> Void
    /// Checked after every step; true stops at the end of that step (cancel, signal).
    public var shouldStop: () -> Bool
    /// Writes a checkpoint of the model as it is now (plan.checkpointEvery); a thrown error stops
    /// training and is returned in the result.
    public var checkpoint: () throws -> Void
    public init(onMetric: @escaping (MetricReport) -> Void = { _ in }, shouldStop: @escaping () -> Bool = { false },
                checkpoint: @escaping () throws -> Void = {}) {
        self.onMetric = onMetric
        self.shouldStop = shouldStop
        self.checkpoint = checkpoint
    }
}
