import GradwellProtocols

/// The same checks for every registered component, builtins and plugins alike: gradients of
/// layers, activations, losses and regularizers against central differences; initializers'
/// shape and variance; optimizers on a convex quadratic and a logistic regression, resumed
/// from saved state; every config's round trip.
public enum Conformance {
    public struct Check: Sendable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    public struct ComponentReport: Sendable {
        public var kind: ComponentKind
        public var name: String
        public var origin: String
        public var checks: [Check]
        public var passed: Bool { checks.allSatisfy(\.passed) }
    }

    /// Runs every check on every component of `registry` (or on those `include` selects, by
    /// kind and name; activations are reported as layers named "dense(activation: NAME)").
    public static func run(_ registry: Registry,
                           include: (ComponentKind, String) -> Bool = { _, _ in true }) -> [ComponentReport] {
        var reports: [ComponentReport] = []
        for kind in ComponentKind.allCases {
            for entry in registry.entries[kind] ?? [] where include(kind, entry.name) {
                var checks: [Check] = [roundTrip(entry, registry)]
                do {
                    switch kind {
                    case .layer: checks += try layerChecks(entry, registry)
                    case .loss: checks += try lossChecks(entry, registry)
                    case .regularizer: checks += try regularizerChecks(entry, registry)
                    case .initializer: checks += try initializerChecks(entry, registry)
                    case .optimizer: checks += try optimizerChecks(entry, registry)
                    case .schedule: checks += try scheduleChecks(entry, registry)
                    case .generator: checks += try generatorChecks(entry, registry)
                    }
                } catch {
                    checks.append(Check(name: "build", passed: false, detail: "\(error)"))
                }
                reports.append(ComponentReport(kind: kind, name: entry.name, origin: entry.origin, checks: checks))
            }
        }
        // Activations are not components, but each gets a gradient check of its own.
        for activation in Activation.names where include(.layer, "dense(activation: \(activation))") {
            let check = gradientCheck("gradient", layers: [.object(["type": "dense", "units": 4, "activation": .string(activation)])],
                                      registry: registry)
            reports.append(ComponentReport(kind: .layer, name: "dense(activation: \(activation))", origin: "builtin", checks: [check]))
        }
        return reports
    }

    /// A config for `entry` with every required parameter filled in with a plausible value.
    public static func minimalConfig(_ entry: Registry.Entry) -> ConfigValue {
        var members = [ConfigEntry(key: "type", value: .string(entry.name))]
        for spec in entry.parameters where spec.defaultValue == nil {
            switch spec.kind {
            case .integer: members.append(ConfigEntry(key: spec.name, value: .int(Int(max(spec.minimum ?? 3, 3)))))
            case .string(let choices): members.append(ConfigEntry(key: spec.name, value: .string(choices.first { $0 == "tanh" } ?? choices.first ?? "x")))
            case .boolean: members.append(ConfigEntry(key: spec.name, value: .bool(false)))
            case .numberList: members.append(ConfigEntry(key: spec.name, value: .array([.number(0.5)])))
            case .integers: members.append(ConfigEntry(key: spec.name, value: .int(Int(max(spec.minimum ?? 2, 2)))))
            case .component(let kind): members.append(ConfigEntry(key: spec.name, value: .string(kind == .schedule ? "constant" : "he")))
            case .number:
                let low = spec.minimum ?? 0, high = spec.maximum ?? low + 1
                members.append(ConfigEntry(key: spec.name, value: .number((low + high) / 2)))
            }
        }
        return .object(members)
    }

    static func roundTrip(_ entry: Registry.Entry, _ registry: Registry) -> Check {
        do {
            let resolved = try registry.resolve(minimalConfig(entry), kind: entry.kind, path: entry.name)
            let again = try registry.resolve(resolved.configValue, kind: entry.kind, path: entry.name)
            return Check(name: "config round trip", passed: resolved == again, detail: resolved == again ? "" : "the resolved config does not rebuild itself")
        } catch {
            return Check(name: "config round trip", passed: false, detail: "\(error)")
        }
    }

    // MARK: - Gradients

    /// A gradient check of a small float64 model: `layers`, then a dense head for `loss`.
    static func gradientCheck(_ name: String, layers: [ConfigValue], loss: String = "binary_cross_entropy", outputs: Int = 1,
                              regularizers: [ConfigValue] = [], inputShape: [Int] = [3], registry: Registry) -> Check {
        let features = Shape.units(inputShape)
        do {
            var resolved = try layers.enumerated().map { try registry.resolve($1, kind: .layer, path: "layers[\($0)]") }
            let head = ["softmax_cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"][loss] ?? "linear"
            resolved.append(try registry.resolve(.object(["type": "dense", "units": .int(outputs), "activation": .string(head)]),
                                                 kind: .layer, path: "head"))
            let specification = ModelSpecification(inputShape: inputShape, layers: resolved,
                                                   loss: try registry.resolve(.string(loss), kind: .loss, path: "loss"),
                                                   dtype: .float64, seed: 5, rng: .gradwell)
            let model = try Model<Double>(specification, registry: registry)
            var random = RandomStream.make(.gradwell, seed: 9)
            let data = Generators.blobs(count: 12, centers: max(outputs, 2), features: features, clusterStd: 2, rng: &random)
            var dataset = Dataset(name: "check", generated: data)
            if loss != "binary_cross_entropy" && loss != "softmax_cross_entropy" {
                dataset = Dataset(name: "check", features: data.features, featureCount: features,
                                  targets: (0..<12 * outputs).map { Double($0 % 5) / 5 }, targetColumns: outputs)
            }
            let penalties = try regularizers.map { try registry.makeRegularizer(try registry.resolve($0, kind: .regularizer, path: "r")) }
            let report = try GradientCheck.run(model: model, data: dataset, options: GradientCheckOptions(regularizers: penalties), registry: registry)
            var detail = "difference \(report.difference)"
            if !report.passed {
                let failing = report.parameters.filter { $0.difference > report.threshold }.map { "\($0.name) \($0.difference)" }
                let worst = report.worst.prefix(3).map { "\($0.parameter)[\($0.index)]: analytic \($0.analytic), numeric \($0.numeric)" }
                detail += "; failing: \(failing.joined(separator: ", ")); worst entries: \(worst.joined(separator: "; "))"
            }
            return Check(name: name, passed: report.passed, detail: detail)
        } catch {
            return Check(name: name, passed: false, detail: "\(error)")
        }
    }

    /// Row shapes a layer is tried on, flat first: a flat layer follows a dense tanh layer; a
    /// shaped one (convolutions, pooling) gets odd-sized rows of its own, then a flatten.
    static let trialShapes: [[Int]] = [[4], [2, 9], [2, 7, 5]]

    static func layerChecks(_ entry: Registry.Entry, _ registry: Registry) throws -> [Check] {
        var config = minimalConfig(entry)
        if entry.name == "dense" { config = .object(["type": "dense", "units": 4, "activation": "tanh"]) }
        let resolved = try registry.resolve(config, kind: .layer, path: entry.name)
        let definition = registry.layerDefinition(resolved)
        guard let shape = trialShapes.first(where: { (try? definition.outputShape(config: resolved, inputShape: $0)) != nil }) else {
            return [Check(name: "shape", passed: false, detail: "takes none of the row shapes \(trialShapes.map(Shape.describe))")]
        }
        if shape.count == 1 {
            let layers: [ConfigValue] = [.object(["type": "dense", "units": 4, "activation": "tanh"]), config]
            return [gradientCheck("gradient", layers: layers, registry: registry), try resumeCheck(layers: layers, registry: registry)]
        }
        let output = try definition.outputShape(config: resolved, inputShape: shape)
        func stack(_ layer: ConfigValue) -> [ConfigValue] { output.count > 1 ? [layer, .object(["type": "flatten"])] : [layer] }
        var checks = [gradientCheck("gradient", layers: stack(config), inputShape: shape, registry: registry)]
        // Windows that step and overhang: stride 2 and padding 1, where the layer has them.
        let names = Set(entry.parameters.map(\.name))
        if names.contains("stride"), case .object(var members) = config {
            members.append(ConfigEntry(key: "stride", value: 2))
            if names.contains("padding") { members.append(ConfigEntry(key: "padding", value: 1)) }
            if let strided = try? registry.resolve(.object(members), kind: .layer, path: entry.name),
               (try? definition.outputShape(config: strided, inputShape: shape)) != nil {
                checks.append(gradientCheck("gradient (stride 2\(names.contains("padding") ? ", padding 1" : ""))",
                                            layers: stack(.object(members)), inputShape: shape, registry: registry))
            }
        }
        checks.append(try resumeCheck(layers: stack(config), inputShape: shape, registry: registry))
        return checks
    }

    /// A model of `layers` (then a sigmoid head) trained 3 epochs in one `train`, against 1 epoch,
    /// a snapshot restored into a fresh model (as a model file would be), and 2 more epochs: the
    /// same bits unless a layer keeps state it does not save (a noise layer's random stream),
    /// or a backward adds to its parameters' gradients instead of setting them.
    static func resumeCheck(layers: [ConfigValue], inputShape: [Int] = [3], registry: Registry) throws -> Check {
        do {
            var resolved = try layers.enumerated().map { try registry.resolve($1, kind: .layer, path: "layers[\($0)]") }
            resolved.append(try registry.resolve(.object(["type": "dense", "units": 1, "activation": "sigmoid"]), kind: .layer, path: "head"))
            let specification = ModelSpecification(inputShape: inputShape, layers: resolved,
                                                   loss: try registry.resolve("binary_cross_entropy", kind: .loss, path: "loss"),
                                                   dtype: .float64, seed: 5, rng: .gradwell)
            var random = RandomStream.make(.gradwell, seed: 9)
            let data = Dataset(name: "check", generated: Generators.blobs(count: 24, centers: 2, features: Shape.units(inputShape),
                                                                          clusterStd: 2, rng: &random))
            func plan(_ epochs: Int) throws -> TrainingPlan {
                let optimizer = try registry.resolve(.object(["type": "gd", "lr": 0.1]), kind: .optimizer, path: "gd")
                return TrainingPlan(epochs: epochs, batchSize: 8, shuffle: true, seed: 4, reportEvery: 1000,
                                    optimizerConfig: optimizer, optimizer: try registry.makeOptimizer(optimizer))
            }
            let whole = try Model<Double>(specification, registry: registry)
            _ = whole.train(try plan(3), data: data, observer: TrainingObserver())
            let same = try resumes(like: whole, specification, data: data, epochs: 1, then: 2, plan: plan, registry: registry)
            return Check(name: "resume from saved state", passed: same,
                         detail: same ? "3 epochs = 1 epoch, saved, restored, 2 more (bit for bit)"
                                      : "a run resumed from a snapshot differs from an uninterrupted one: state the layer does not save (`state`/`restore`), or gradients added to instead of set")
        } catch {
            return Check(name: "resume from saved state", passed: false, detail: "\(error)")
        }
    }

    /// Whether `first` epochs, a snapshot restored into a new model (as a model file would be) and
    /// `second` more epochs end with `whole`'s parameters, bit for bit. `plan(n)` builds each
    /// `train`'s plan, with a fresh optimizer as the host builds one per request.
    static func resumes(like whole: Model<Double>, _ specification: ModelSpecification, data: Dataset, epochs first: Int,
                        then second: Int, plan: (Int) throws -> TrainingPlan, registry: Registry) throws -> Bool {
        let start = try Model<Double>(specification, registry: registry)
        _ = start.train(try plan(first), data: data, observer: TrainingObserver())
        let resumed = try Model<Double>(specification, registry: registry)
        try resumed.restore(start.snapshot())
        _ = resumed.train(try plan(second), data: data, observer: TrainingObserver())
        return resumed.snapshot().parameters.map(\.values) == whole.snapshot().parameters.map(\.values)
    }

    static func lossChecks(_ entry: Registry.Entry, _ registry: Registry) throws -> [Check] {
        let loss = try registry.makeLoss(try registry.resolve(minimalConfig(entry), kind: .loss, path: entry.name))
        let outputs = loss.fusedActivation == .sigmoid ? 1 : 3
        // Training calls costAndGradient; gradcheck calls cost and gradient: they must agree.
        var random = RandomStream.make(.gradwell, seed: 11)
        var output = Tensor<Double>(rows: 6, columns: outputs), targets = Tensor<Double>(rows: 6, columns: outputs)
        for i in 0..<output.count { output.storage[i] = random.nextNormal() }
        for row in 0..<6 {
            for column in 0..<outputs {
                targets.storage[row * outputs + column] = loss.fusedActivation == .softmax ? (column == row % outputs ? 1 : 0)
                    : loss.fusedActivation == .sigmoid ? Double(row % 2) : Double(row + column) / 10
            }
        }
        var separate = Tensor<Double>(), together = Tensor<Double>()
        let cost = loss.cost(output: output, targets: targets)
        loss.gradient(output: output, targets: targets, into: &separate)
        let combined = loss.costAndGradient(output: output, targets: targets, into: &together)
        let agree = separate.count == together.count && abs(cost - combined) <= 1e-12 * max(1, abs(cost))
            && zip(separate.storage, together.storage).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($0)) }
        return [gradientCheck("gradient", layers: [.object(["type": "dense", "units": 4, "activation": "tanh"])], loss: entry.name,
                              outputs: outputs, registry: registry),
                Check(name: "costAndGradient", passed: agree,
                      detail: agree ? "the same cost and gradient as cost and gradient" : "cost \(cost) vs \(combined), or the gradients differ")]
    }

    static func regularizerChecks(_ entry: Registry.Entry, _ registry: Registry) throws -> [Check] {
        [gradientCheck("gradient", layers: [.object(["type": "dense", "units": 4, "activation": "tanh"])],
                       regularizers: [minimalConfig(entry)], registry: registry)]
    }

    // MARK: - Initializers

    static func initializerChecks(_ entry: Registry.Entry, _ registry: Registry) throws -> [Check] {
        let initializer = try registry.makeInitializer(try registry.resolve(minimalConfig(entry), kind: .initializer, path: entry.name))
        let fanIn = 300, fanOut = 200
        var weights = Tensor<Double>(rows: fanOut, columns: fanIn)
        var random = RandomStream.make(.gradwell, seed: 42)
        initializer.fill(&weights, fanIn: fanIn, fanOut: fanOut, random: &random)
        var checks = [Check(name: "shape", passed: weights.rows == fanOut && weights.columns == fanIn && weights.allFinite(),
                            detail: "(\(weights.rows), \(weights.columns)), finite: \(weights.allFinite())")]
        if let expected = initializer.expectedVariance(fanIn: fanIn, fanOut: fanOut) {
            let mean = weights.storage.reduce(0, +) / Double(weights.count)
            let variance = weights.storage.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(weights.count)
            let ok = expected == 0 ? variance == 0 : abs(variance / expected - 1) < 0.05
            checks.append(Check(name: "variance", passed: ok, detail: "measured \(variance), documented \(expected)"))
        }
        return checks
    }

    // MARK: - Optimizers

    static func optimizerChecks(_ entry: Registry.Entry, _ registry: Registry) throws -> [Check] {
        let config = try registry.resolve(minimalConfig(entry), kind: .optimizer, path: entry.name)
        let optimizer = try registry.makeOptimizer(config), rate = config.double("lr")
        // A convex quadratic ½Σ a_i (θ_i - c_i)², from θ = 0.
        let count = 16
        let a: [Double] = (0..<count).map { i in 1 + Double(i % 4) }
        let c: [Double] = (0..<count).map { i in Double(i % 5) / 5 - 0.4 }
        var theta = Tensor<Double>(rows: 1, columns: count)
        var state = optimizer.initialState(for: theta)
        func quadratic(_ t: Tensor<Double>) -> Double {
            var total = 0.0
            for i in 0..<count {
                let d = t.storage[i] - c[i]
                total += 0.5 * a[i] * d * d
            }
            return total
        }
        let start = quadratic(theta)
        var gradient = Tensor<Double>(rows: 1, columns: count)
        for step in 1...500 {
            for i in 0..<count { gradient.storage[i] = a[i] * (theta.storage[i] - c[i]) }
            optimizer.update(&theta, gradient: gradient, state: &state, step: step, learningRate: rate)
        }
        let end = quadratic(theta)
        var checks = [Check(name: "convex quadratic", passed: end.isFinite && end < start,
                            detail: "cost \(start) -> \(end) after 500 steps at lr \(rate)")]
        checks.append(stateIsKept(optimizer, rate: rate, count: count, gradient: { i, t in a[i] * (t.storage[i] - c[i]) }))
        checks += referenceChecks(entry, registry)

        // Logistic regression on two blobs, then save/restore mid-way and compare with an uninterrupted run.
        let specification = ModelSpecification(
            input: 2, layers: [try registry.resolve(.object(["type": "dense", "units": 1, "activation": "sigmoid"]), kind: .layer, path: "l")],
            loss: try registry.resolve("binary_cross_entropy", kind: .loss, path: "loss"), dtype: .float64, seed: 1, rng: .gradwell)
        var random = RandomStream.make(.gradwell, seed: 3)
        let data = Dataset(name: "blobs", generated: Generators.blobs(count: 80, centers: 2, features: 2, clusterStd: 1.5, rng: &random))
        // A fresh optimizer per train, as the host builds one per request: state kept outside
        // the slots (a step counter of its own) shows as a resumed run that differs.
        func plan(_ epochs: Int) throws -> TrainingPlan {
            TrainingPlan(epochs: epochs, batchSize: 16, shuffle: true, seed: 4, reportEvery: 1000,
                         optimizerConfig: config, optimizer: try registry.makeOptimizer(config))
        }
        let whole = try Model<Double>(specification, registry: registry)
        let before = whole.evaluate(data).cost
        _ = whole.train(try plan(40), data: data, observer: TrainingObserver())
        let after = whole.evaluate(data).cost
        checks.append(Check(name: "logistic regression", passed: after.isFinite && after < before,
                            detail: "cost \(before) -> \(after) after 40 epochs"))
        let same = try resumes(like: whole, specification, data: data, epochs: 20, then: 20, plan: plan, registry: registry)
        // A run that went NaN differs from itself whatever the optimizer saves: say so, not "state".
        let diverged = !after.isFinite || whole.snapshot().parameters.contains { $0.values.contains { !$0.isFinite } }
        checks.append(Check(name: "resume from saved state", passed: same && !diverged,
                            detail: diverged ? "the run diverged (non-finite cost or weights), so resuming could not be judged"
                                : same ? "20 epochs, saved, restored, 20 more: bit-identical to 40 in one train"
                                       : "a run resumed from a snapshot differs from an uninterrupted one (state kept outside the slots?)"))
        // The update follows the learning rate it is given (schedules change it every epoch).
        var full = Tensor<Double>(rows: 1, columns: count), half = full
        for i in 0..<count { gradient.storage[i] = a[i] * (full.storage[i] - c[i]) }
        var fullState = optimizer.initialState(for: full), halfState = fullState
        optimizer.update(&full, gradient: gradient, state: &fullState, step: 1, learningRate: rate)
        optimizer.update(&half, gradient: gradient, state: &halfState, step: 1, learningRate: rate / 2)
        let follows = full.storage != half.storage
        checks.append(Check(name: "learning rate", passed: follows,
                            detail: follows ? "a step at lr/2 differs from one at lr" : "update ignores its learningRate argument (schedules would do nothing)"))
        return checks
    }

    /// Every declared state slot must change under non-zero gradients: a slot that stays at its
    /// start was written to a copy and lost (an Adam that loses its moments still lowers a
    /// cost, ten times slower, so convergence alone does not show it).
    static func stateIsKept(_ optimizer: any Optimizer, rate: Double, count: Int, gradient: (Int, Tensor<Double>) -> Double) -> Check {
        guard !optimizer.slots.isEmpty else { return Check(name: "state kept", passed: true, detail: "no state slots") }
        var theta = Tensor<Double>(rows: 1, columns: count)
        var state = optimizer.initialState(for: theta)
        let initial = state
        var g = Tensor<Double>(rows: 1, columns: count)
        var history: [[[Double]]] = []
        for step in 1...5 {
            for i in 0..<count { g.storage[i] = gradient(i, theta) }
            optimizer.update(&theta, gradient: g, state: &state, step: step, learningRate: rate)
            history.append(state.map(\.storage))
        }
        let unchanged = optimizer.slots.indices.filter { slot in
            history.allSatisfy { $0[slot] == initial[slot].storage }
        }
        guard unchanged.isEmpty else {
            let names = unchanged.map { "'\(optimizer.slots[$0].name)'" }.joined(separator: ", ")
            return Check(name: "state kept", passed: false,
                         detail: "state slot \(names) never changed over 5 steps with non-zero gradients: written to a copy of the state and lost?")
        }
        return Check(name: "state kept", passed: true, detail: "every state slot (\(optimizer.slots.map(\.name).joined(separator: ", "))) is updated")
    }

    /// The optimizer's own reference trajectories (`Optimizer.references`), replayed in float64.
    static func referenceChecks(_ entry: Registry.Entry, _ registry: Registry) -> [Check] {
        guard let type = registry.optimizerType(entry.name) else { return [] }
        let references = type.references
        guard !references.isEmpty else {
            return entry.origin == "builtin" ? [] : [Check(name: "reference trajectory", passed: true,
                detail: "none given (declare `static var references` with a few steps computed independently, e.g. in NumPy)")]
        }
        var checks: [Check] = []
        for (number, reference) in references.enumerated() {
            let name = references.count == 1 ? "reference trajectory" : "reference trajectory \(number + 1)"
            do {
                // Under the base's name: a preset's references are its base's (each names its settings).
                let config = try registry.resolve(.object([ConfigEntry(key: "type", value: .string(type.name))] + reference.config),
                                                  kind: .optimizer, path: entry.name)
                let optimizer = try registry.makeOptimizer(config)
                let count = reference.initial.count
                var theta = Tensor<Double>(rows: 1, columns: count)
                theta.storage = reference.initial
                var state = optimizer.initialState(for: theta)
                var failure: String?
                for (index, (gradients, expected)) in zip(reference.gradients, reference.expected).enumerated() where failure == nil {
                    var g = Tensor<Double>(rows: 1, columns: count)
                    g.storage = gradients
                    optimizer.update(&theta, gradient: g, state: &state, step: index + 1, learningRate: config.double("lr"))
                    for i in 0..<count where !(abs(theta.storage[i] - expected[i]) <= reference.tolerance * max(1, abs(expected[i]))) {
                        failure = "step \(index + 1), element \(i): got \(theta.storage[i]), the reference has \(expected[i])"
                        break
                    }
                }
                let settings = reference.config.map { "\($0.key) \($0.value.doubleValue.map { "\($0)" } ?? $0.value.stringValue ?? $0.value.boolValue.map { "\($0)" } ?? "?")" }.joined(separator: ", ")
                checks.append(Check(name: name, passed: failure == nil,
                                    detail: failure.map { "\($0) (\(settings))" }
                                        ?? "\(reference.expected.count) steps match within \(reference.tolerance) (\(settings))"))
            } catch {
                checks.append(Check(name: name, passed: false, detail: "the reference's config is refused: \(error)"))
            }
        }
        return checks
    }

    static func scheduleChecks(_ entry: Registry.Entry, _ registry: Registry) throws -> [Check] {
        let schedule = try registry.makeSchedule(try registry.resolve(minimalConfig(entry), kind: .schedule, path: entry.name))
        let rates = (0..<50).map { schedule.learningRate(base: 0.1, epoch: $0, totalEpochs: 50) }
        let ok = rates.allSatisfy { $0.isFinite && $0 >= 0 }
        return [Check(name: "rates", passed: ok, detail: ok ? "finite and non-negative over 50 epochs" : "rates \(rates.prefix(5))...")]
    }

    static func generatorChecks(_ entry: Registry.Entry, _ registry: Registry) throws -> [Check] {
        let generator = try registry.makeGenerator(try registry.resolve(minimalConfig(entry), kind: .generator, path: entry.name))
        var random = RandomStream.make(.gradwell, seed: 1)
        let data = generator.generate(random: &random)
        let ok = data.features.count == data.count * data.featureCount && data.features.allSatisfy(\.isFinite)
            && data.labels.allSatisfy { $0 >= 0 && $0 < max(data.classCount, 1) }
        return [Check(name: "data", passed: ok, detail: "\(data.count) rows of \(data.featureCount) features, \(data.classCount) classes")]
    }
}
