import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

extension Model {
    /// Trains on `data` as `plan` says, reporting through `observer`. Never throws: divergence,
    /// cancellation and early stopping are part of the result.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func train(_ plan: TrainingPlan, data: Dataset, observer: TrainingObserver) -> TrainingResult {
        let started = monotonicMilliseconds()
        // The model remembers the statistics its inputs were normalized with, for `predict`.
        normalization = data.normalization
        let x = data.featureTensor(T.self)
        let y = data.targetTensor(T.self)
        let validation = plan.validation.map { ($0.featureTensor(T.self), $0.targetTensor(T.self)) }
        let n = x.rows
        let batch = min(plan.batchSize ?? n, n)
        let parameters = network.namedParameters.map(\.parameter)
        prepareOptimizerState(plan, parameters: parameters)

        var result = TrainingResult(epochs: 0, steps: 0, cost: 0, accuracy: nil, diverged: nil, cancelled: false,
                                    stoppedEarly: false, bestEpoch: nil,
                                    batchSizeCapped: (plan.batchSize ?? 0) > n ? n : nil, lastCost: nil,
                                    wallMilliseconds: 0)
        // Diagnostics read the last batch's activations from the one-thread workspace.
        let parallelStep = plan.diagnostics ? nil : dataParallelStep
        let parallelUpdate = ParallelUpdate(optimizer: plan.optimizer, parameters: parameters)
        // With nothing between the backward pass and the update that reads the whole gradient
        // (regularizers, clipping), the update's threads add up the slices' gradients themselves.
        let slicesAddedByUpdate = parallelStep != nil && parallelUpdate != nil && plan.regularizers.isEmpty
            && plan.clip == nil && parallelStep!.hasParameters(parameters)
        var order = Array(0..<n)
        var targets = Tensor<T>()
        var best: (score: Double, epoch: Int, weights: [Tensor<T>])?
        var epochsWithoutImprovement = 0
        // restore_best on divergence: the whole state (optimizer, layer state, counters) at the
        // start of this epoch and of the one before. The first batch of an epoch is computed
        // from the state at its start, so when that batch already diverges, that state is no
        // good and the one before (whose first batch had a finite cost) is kept.
        var epochStart: (epoch: Int?, state: ModelSnapshot, firstStep: Int)?
        var previousEpochStart: (epoch: Int?, state: ModelSnapshot, firstStep: Int)?
        var checkpointedAt: Int?
        func writeCheckpoint() -> Bool {
            guard plan.checkpointEvery != nil, checkpointedAt != epochsTrained else { return true }
            do {
                try observer.checkpoint()
                result.checkpoints += 1
                result.lastCheckpointEpoch = epochsTrained
                checkpointedAt = epochsTrained
                return true
            } catch {
                result.checkpointError = error
                return false
            }
        }

        epochLoop: for epoch in 0..<plan.epochs {
            if plan.restoreOnDivergence {
                previousEpochStart = epochStart
                epochStart = (epoch > 0 ? epoch - 1 : nil, snapshot(), result.steps)
            }
            let learningRate = plan.schedule?.learningRate(base: plan.learningRate, epoch: epoch,
                                                           totalEpochs: plan.epochs) ?? plan.learningRate
            if plan.shuffle && batch < n { shuffle(&order, seed: plan.seed) }
            var epochCost = 0.0, epochPenalty = 0.0
            var start = 0
            var lastGradientNorm: Double?
            while start < n {
                let indices = order[start..<min(start + batch, n)]
                start += batch
                // Forward and backward: split by rows across threads, or on this thread.
                var cost: Double
                let parallel = parallelStep?.accepts(rows: indices.count) == true
                if parallel {
                    cost = parallelStep!.run(x: x, y: y, indices: indices, addingSlices: !slicesAddedByUpdate)
                } else {
                    x.gatherRows(indices, into: &trainingWorkspace.activations[0])
                    y.gatherRows(indices, into: &targets)
                    cost = network.forwardWithLoss(&trainingWorkspace, targets: targets)
                }
                // Index loops, not for-in: this function is generic, and iterating an array of
                // Parameter<T> through Sequence allocates a coroutine frame per element.
                var penalty = 0.0
                for r in 0..<plan.regularizers.count {
                    for p in 0..<parameters.count where parameters[p].regularized {
                        penalty += plan.regularizers[r].cost(parameters[p].value, examples: indices.count)
                    }
                }
                if !plan.regularizers.isEmpty { cost += penalty }
                if !cost.isFinite {
                    result.diverged = Divergence(epoch: epoch, step: result.steps,
                                                 layer: parallel ? parallelStep!.firstNonFiniteLayer()
                                                                 : network.firstNonFiniteLayer(trainingWorkspace))
                    break epochLoop
                }
                if !parallel { network.backward(&trainingWorkspace) }
                for r in 0..<plan.regularizers.count {
                    for p in 0..<parameters.count where parameters[p].regularized {
                        let parameter = parameters[p]
                        plan.regularizers[r].addGradient(parameter.value, examples: indices.count, to: &parameter.gradient)
                    }
                }
                lastGradientNorm = clip(parameters, plan.clip)
                optimizerStep += 1
                if let parallelUpdate {
                    let step = optimizerStep
                    optimizerState.withUnsafeMutableBufferPointer { states in
                        parallelUpdate.run(states: states.baseAddress!, step: step, learningRate: learningRate,
                                           addingSlicesOf: parallel && slicesAddedByUpdate ? parallelStep : nil)
                    }
                } else {
                    for index in 0..<parameters.count {
                        let parameter = parameters[index]
                        plan.optimizer.update(&parameter.value, gradient: parameter.gradient,
                                              state: &optimizerState[index], step: optimizerStep,
                                              learningRate: learningRate)
                    }
                }
                result.steps += 1
                epochCost += cost * Double(indices.count)
                epochPenalty += penalty * Double(indices.count)
                if observer.shouldStop() {
                    result.cancelled = true
                    // Mid-epoch, stop now; after an epoch's last batch, finish that epoch's books first.
                    if start < n {
                        result.lastCost = epochCost / Double(start)
                        break epochLoop
                    }
                }
            }
            epochsTrained += 1
            result.epochs = epoch + 1
            let meanCost = epochCost / Double(max(n, 1))
            result.lastCost = meanCost

            var report = MetricReport(epoch: epoch, step: result.steps, cost: meanCost, learningRate: learningRate,
                                      validationCost: nil, validationAccuracy: nil, gradientNorm: lastGradientNorm,
                                      layers: nil)
            if !plan.regularizers.isEmpty { report.regularization = epochPenalty / Double(max(n, 1)) }
            if let (vx, vy) = validation {
                let evaluation = evaluate(x: vx, y: vy)
                report.validationCost = evaluation.cost
                report.validationAccuracy = evaluation.accuracy
            }
            if plan.diagnostics { report.layers = diagnostics(learningRate: learningRate) }

            if let stopping = plan.earlyStopping, let score = monitoredScore(report, stopping.monitor) {
                if best == nil || score < best!.score - stopping.minDelta {
                    best = (score, epoch, stopping.restoreBest ? parameters.map(\.value) : [])
                    epochsWithoutImprovement = 0
                } else {
                    epochsWithoutImprovement += 1
                    if epochsWithoutImprovement >= stopping.patience { result.stoppedEarly = true }
                }
            }
            // The first epoch, every report_every-th, and whichever epoch turns out to be the last.
            let last = epoch == plan.epochs - 1 || result.stoppedEarly || result.cancelled
            if epoch % plan.reportEvery == 0 || last { observer.onMetric(report) }
            if result.stoppedEarly || result.cancelled { break epochLoop }
            if let every = plan.checkpointEvery, (epoch + 1) % every == 0, !writeCheckpoint() { break epochLoop }
        }

        if let divergence = result.diverged, let start = epochStart {
            let kept = divergence.step == start.firstStep ? previousEpochStart : start
            if let kept {
                // A snapshot of this very model; restoring it cannot fail.
                try? restore(kept.state)
                result.restoredAfterDivergence = .some(kept.epoch)
            }
        }

        if let stopping = plan.earlyStopping, stopping.restoreBest, let best, !best.weights.isEmpty {
            for (parameter, weights) in zip(parameters, best.weights) { parameter.value = weights }
            result.bestEpoch = best.epoch
        }
        // The final state, unless it diverged without a way back (a good checkpoint is never
        // replaced by a broken one) or a checkpoint already failed.
        if result.checkpointError == nil && (result.diverged == nil || result.restoredAfterDivergence != nil) {
            _ = writeCheckpoint()
        }
        if plan.evaluateAtEnd {
            let evaluation = evaluate(x: x, y: y)
            result.cost = evaluation.cost
            // The objective the metrics report: the loss plus the regularization term of the final
            // weights over the whole set (the course's cost with L2 regularization).
            if !plan.regularizers.isEmpty {
                var penalty = 0.0
                for r in 0..<plan.regularizers.count {
                    for p in 0..<parameters.count where parameters[p].regularized {
                        penalty += plan.regularizers[r].cost(parameters[p].value, examples: n)
                    }
                }
                result.loss = evaluation.cost
                result.regularization = penalty
                result.cost = evaluation.cost + penalty
            }
            result.accuracy = evaluation.accuracy
            if result.diverged == nil && !evaluation.cost.isFinite {
                result.diverged = Divergence(epoch: max(result.epochs - 1, 0), step: result.steps, layer: nil)
            }
        } else {
            result.evaluated = false
        }
        result.wallMilliseconds = monotonicMilliseconds() - started
        return result
    }

    /// Keeps the optimizer's state when the same optimizer continues, at the same or another
    /// learning rate (lowering `lr` between requests keeps Adam's moments); starts fresh when
    /// anything else in its config changes.
    private func prepareOptimizerState(_ plan: TrainingPlan, parameters: [Parameter<T>]) {
        if let current = optimizerConfig, current.removing("lr") == plan.optimizerConfig.removing("lr"),
           optimizerState.count == parameters.count {
            optimizerConfig = plan.optimizerConfig
            return
        }
        optimizerConfig = plan.optimizerConfig
        optimizerStep = 0
        optimizerState = parameters.map { parameter in
            plan.optimizer.initialState(for: parameter.value)
        }
    }

    /// The order of examples for the next epoch. With `rng: numpy` this is the course's
    /// `np.random.seed(seed + 1 + epoch); np.random.permutation(m)`; otherwise a stream derived
    /// from (seed, epoch). Epochs count over the model's life, so two runs of 5 epochs shuffle
    /// as one run of 10.
    private func shuffle(_ order: inout [Int], seed: UInt64) {
        switch specification.rng {
        case .numpy:
            var random = NumpyRandomState(seed: UInt32(truncatingIfNeeded: seed &+ 1 &+ UInt64(epochsTrained)))
            random.permutation(order.count, into: &order)
        case .gradwell:
            var random = GradwellRandom.derived(seed: seed, path: [UInt64(epochsTrained)])
            random.permutation(order.count, into: &order)
        }
    }

    /// Clips gradients as asked and returns their global norm before clipping.
    private func clip(_ parameters: [Parameter<T>], _ clip: Clip?) -> Double? {
        guard let clip else { return nil }
        // Index loops (see the training loop): no allocation per step.
        var squares = 0.0
        for p in 0..<parameters.count { squares += parameters[p].gradient.squaredNorm() }
        let norm = squares.squareRoot()
        if let maxValue = clip.maxValue {
            let limit = T(maxValue)
            for p in 0..<parameters.count {
                let parameter = parameters[p]
                for i in 0..<parameter.gradient.count {
                    parameter.gradient.storage[i] = min(max(parameter.gradient.storage[i], -limit), limit)
                }
            }
        }
        if let maxNorm = clip.maxNorm, norm > maxNorm, norm.isFinite {
            let factor = T(maxNorm / norm)
            for p in 0..<parameters.count { Kernels.scale(&parameters[p].gradient, by: factor) }
        }
        return norm
    }

    private func monitoredScore(_ report: MetricReport, _ monitor: EarlyStopping.Monitor) -> Double? {
        switch monitor {
        case .valCost: report.validationCost
        case .valAccuracy: report.validationAccuracy.map { -$0 }
        }
    }

    private func diagnostics(learningRate: Double) -> [LayerDiagnostics] {
        network.layers.enumerated().compactMap { index, layer in
            guard let weights = layer.parameters.first(where: { $0.regularized }) else { return nil }
            let gradientNorm = layer.parameters.reduce(0.0) { $0 + $1.gradient.squaredNorm() }.squareRoot()
            let weightNorm = weights.value.squaredNorm().squareRoot()
            var dead: Double?
            if layer.outputActivation == .relu {
                let output = trainingWorkspace.activations[index + 1]
                var deadUnits = 0
                for column in 0..<output.columns {
                    var alive = false
                    for row in 0..<output.rows where output[row, column] > 0 { alive = true; break }
                    if !alive { deadUnits += 1 }
                }
                dead = Double(deadUnits) / Double(max(output.columns, 1))
            }
            return LayerDiagnostics(layer: index, gradientNorm: gradientNorm, weightNorm: weightNorm,
                                    updateRatio: weightNorm > 0 ? learningRate * gradientNorm / weightNorm : 0,
                                    deadFraction: dead)
        }
    }
}

/// Milliseconds from a monotonic clock.
func monotonicMilliseconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1_000_000
}
