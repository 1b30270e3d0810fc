import GradwellBuiltins
import GradwellProtocols

extension Methods {
    static let trainKeys = ["model", "data", "epochs", "batch_size", "shuffle", "optimizer", "schedule", "regularizers",
                            "seed", "report_every", "validation", "early_stopping", "clip", "diagnostics",
                            "restore_best", "checkpoint_every", "checkpoint_path", "evaluate"]

    /// `train`: runs the training loop, streaming `metric` notifications.
    static func train(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(trainKeys)
        let model = try session.model(params)
        let data = try session.dataset(params, "data")
        try checkCompatible(data, model, path: params.field("data"))
        var plan = try trainingPlan(params, session: session, model: model, data: data)
        let checkpointPath = params.has("checkpoint_path") ? try session.path(params, "checkpoint_path") : nil
        if params.has("checkpoint_every") && checkpointPath == nil {
            throw GradwellError.missing(params.field("checkpoint_path"), expected: "a file path for the checkpoints, since checkpoint_every is set")
        }
        plan.evaluateAtEnd = try params.bool("evaluate", default: true)
        if checkpointPath != nil {
            plan.checkpointEvery = try params.int("checkpoint_every", default: max(plan.epochs, 1), min: 1)
        }
        let id = context.id
        let observer = TrainingObserver(
            onMetric: { report in context.notify("metric", metricValue(report, request: id)) },
            shouldStop: context.isCancelled,
            checkpoint: { if let checkpointPath { try writeCheckpoint(model, to: checkpointPath) } })
        let result = model.train(plan, data: data, observer: observer)
        let checkpoint: ConfigValue? = checkpointPath.map { path in
            .object(["path": .string(path), "written": .int(result.checkpoints),
                     "epochs_trained": result.lastCheckpointEpoch.map { .int($0) } ?? .null])
        }
        if let error = result.checkpointError {
            let failure = error as? GradwellError ?? GradwellError(.io, "\(error)")
            throw GradwellError(failure.code, "train stopped after \(result.epochs) epoch(s), \(result.steps) step(s): the checkpoint could not be written: \(failure.message); the previous checkpoint file is intact",
                                data: failure.data + [ConfigEntry(key: "epochs", value: .int(result.epochs)),
                                                      ConfigEntry(key: "steps", value: .int(result.steps))])
        }
        if result.cancelled {
            throw GradwellError(.cancelled, "train was cancelled after \(result.epochs) epoch(s), \(result.steps) step(s); the model keeps its last finished step",
                                data: [ConfigEntry(key: "epochs", value: .int(result.epochs)),
                                       ConfigEntry(key: "steps", value: .int(result.steps)),
                                       ConfigEntry(key: "cost", value: result.lastCost.map { .number($0) } ?? .null)]
                                    + (checkpoint.map { [ConfigEntry(key: "checkpoint", value: $0)] } ?? []))
        }
        let value = trainingResultValue(result)
        return checkpoint.map { value.setting("checkpoint", to: $0) } ?? value
    }

    /// A checkpoint is a model file (`model/save`'s format, optimizer state included), written
    /// atomically; a model with non-finite weights is not written over a good checkpoint.
    static func writeCheckpoint(_ model: any TrainableModel, to path: String) throws {
        let snapshot = model.snapshot()
        guard nonFiniteParameter(snapshot) == nil else { return }
        try Files.writeAtomically(encodeModel(snapshot), to: path)
    }

    static func trainingPlan(_ params: Params, session: Session, model: any TrainableModel, data: Dataset) throws -> TrainingPlan {
        let registry = session.registry
        let epochs = try params.int("epochs", default: 1, min: 0, max: session.limits.maxEpochs)
        let batchSize = try params.optionalInt("batch_size", min: 1)
        let optimizerConfig = try registry.resolve(params.value("optimizer") ?? .object(["type": "gd"]), kind: .optimizer,
                                                   path: params.field("optimizer"))
        try Methods.checkRepresentable(optimizerConfig, dtype: model.specification.dtype, registry: registry, path: params.field("optimizer"))
        let schedule = try params.value("schedule").map {
            try registry.makeSchedule(try registry.resolve($0, kind: .schedule, path: params.field("schedule")))
        }
        let regularizers = try (params.array("regularizers") ?? []).enumerated().map { index, value in
            try registry.makeRegularizer(try registry.resolve(value, kind: .regularizer, path: "\(params.field("regularizers"))[\(index)]"))
        }
        var validation: Dataset?
        if params.has("validation") {
            let set = try session.dataset(params, "validation")
            try checkCompatible(set, model, path: params.field("validation"))
            validation = set
        }
        var clip: Clip?
        if let clipParams = try params.object("clip") {
            try clipParams.allowOnly(["max_norm", "max_value"])
            clip = Clip(maxNorm: try clipParams.optionalDouble("max_norm", min: 0, exclusiveMin: true),
                        maxValue: try clipParams.optionalDouble("max_value", min: 0, exclusiveMin: true))
        }
        var earlyStopping: EarlyStopping?
        if let stop = try params.object("early_stopping") {
            try stop.allowOnly(["monitor", "patience", "min_delta", "restore_best"])
            guard validation != nil else {
                throw GradwellError.invalid(params.field("validation"), expected: "a data set name when early_stopping is set", got: "none")
            }
            if try stop.string("monitor", default: "val_cost") == "val_accuracy" && model.loss.fusedActivation == nil {
                throw GradwellError.invalid(stop.field("monitor"), expected: "val_cost, since \(type(of: model.loss).name) has no accuracy", got: "'val_accuracy'")
            }
            earlyStopping = EarlyStopping(
                monitor: EarlyStopping.Monitor(rawValue: try stop.string("monitor", default: "val_cost", choices: ["val_cost", "val_accuracy"]))!,
                patience: try stop.int("patience", default: 10, min: 1),
                minDelta: try stop.double("min_delta", default: 0, min: 0),
                restoreBest: try stop.bool("restore_best", default: true))
        }
        let batch = min(batchSize ?? data.count, data.count)
        let lastBatch = batch > 0 ? data.count % batch : 0
        if batch < model.minimumTrainingBatch || (lastBatch > 0 && lastBatch < model.minimumTrainingBatch) {
            throw GradwellError.invalid(params.field("batch_size"),
                expected: "a size that leaves every batch at least \(model.minimumTrainingBatch) rows (batch norm needs a variance); \(data.count) rows make a batch of \(lastBatch > 0 ? lastBatch : batch)",
                got: batchSize.map(String.init) ?? "full batch")
        }
        // Workspaces: the widest row times the batch, for activations and gradients.
        let widest = model.specification.widestRow(registry: registry)
        let rows = Double(min(batchSize ?? data.count, data.count))
        try session.checkElements(rows * widest, path: params.field("batch_size"), what: "a training batch's activations")
        return TrainingPlan(epochs: epochs, batchSize: batchSize, shuffle: try params.bool("shuffle", default: true),
                            seed: try params.seed(), reportEvery: try params.int("report_every", default: 1, min: 1),
                            optimizerConfig: optimizerConfig, optimizer: try registry.makeOptimizer(optimizerConfig),
                            schedule: schedule, regularizers: regularizers, clip: clip, validation: validation,
                            earlyStopping: earlyStopping, diagnostics: try params.bool("diagnostics", default: false),
                            restoreOnDivergence: try params.bool("restore_best", default: false))
    }

    static func metricValue(_ report: MetricReport, request: ConfigValue) -> ConfigValue {
        var entries: [ConfigEntry] = [
            ConfigEntry(key: "request", value: request),
            ConfigEntry(key: "epoch", value: .int(report.epoch)),
            ConfigEntry(key: "step", value: .int(report.step)),
            ConfigEntry(key: "cost", value: .number(report.cost)),
        ]
        if let penalty = report.regularization {
            entries.append(ConfigEntry(key: "loss", value: .number(report.cost - penalty)))
            entries.append(ConfigEntry(key: "regularization", value: .number(penalty)))
        }
        entries.append(ConfigEntry(key: "lr", value: .number(report.learningRate)))
        if let cost = report.validationCost { entries.append(ConfigEntry(key: "val_cost", value: .number(cost))) }
        if let accuracy = report.validationAccuracy { entries.append(ConfigEntry(key: "val_accuracy", value: .number(accuracy))) }
        if let norm = report.gradientNorm { entries.append(ConfigEntry(key: "grad_norm", value: .number(norm))) }
        if let layers = report.layers {
            entries.append(ConfigEntry(key: "layers", value: .array(layers.map { layer in
                var items: [ConfigEntry] = [
                    ConfigEntry(key: "layer", value: .int(layer.layer)),
                    ConfigEntry(key: "grad_norm", value: .number(layer.gradientNorm)),
                    ConfigEntry(key: "weight_norm", value: .number(layer.weightNorm)),
                    ConfigEntry(key: "update_ratio", value: .number(layer.updateRatio)),
                ]
                if let dead = layer.deadFraction { items.append(ConfigEntry(key: "dead_fraction", value: .number(dead))) }
                return .object(items)
            })))
        }
        return withFiniteFlags(entries)
    }

    static func trainingResultValue(_ result: TrainingResult) -> ConfigValue {
        var entries: [ConfigEntry] = [
            ConfigEntry(key: "epochs", value: .int(result.epochs)),
            ConfigEntry(key: "steps", value: .int(result.steps)),
            ConfigEntry(key: "cost", value: result.evaluated ? .number(result.cost) : .null),
        ]
        if result.evaluated, let loss = result.loss, let penalty = result.regularization {
            entries.append(ConfigEntry(key: "loss", value: .number(loss)))
            entries.append(ConfigEntry(key: "regularization", value: .number(penalty)))
        }
        entries += [
            ConfigEntry(key: "accuracy", value: result.evaluated ? result.accuracy.map { .number($0) } ?? .null : .null),
            ConfigEntry(key: "diverged", value: .bool(result.diverged != nil)),
        ]
        if let divergence = result.diverged {
            entries.append(ConfigEntry(key: "diverged_at", value: .object([
                "epoch": .int(divergence.epoch), "step": .int(divergence.step),
                "layer": divergence.layer.map { .int($0) } ?? .null,
            ])))
        }
        if result.stoppedEarly { entries.append(ConfigEntry(key: "stopped_early", value: true)) }
        if let restored = result.restoredAfterDivergence {
            entries.append(ConfigEntry(key: "restored", value: .object([
                "reason": "diverged", "epoch": restored.map { .int($0) } ?? .null])))
        }
        if let best = result.bestEpoch { entries.append(ConfigEntry(key: "best_epoch", value: .int(best))) }
        if let capped = result.batchSizeCapped {
            entries.append(ConfigEntry(key: "batch_size_capped", value: .int(capped)))
            entries.append(ConfigEntry(key: "note", value: .string("batch_size exceeds the data set's \(capped) rows: trained full batch")))
        }
        entries.append(ConfigEntry(key: "wall_ms", value: .number((result.wallMilliseconds * 1000).rounded() / 1000)))
        return withFiniteFlags(entries)
    }
}
