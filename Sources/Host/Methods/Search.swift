import Foundation
import GradwellBuiltins
import GradwellProtocols

/// `search`: random or grid search over a template of requests, with coarse-to-fine rounds.
/// Each trial runs the template's own `dataset/*`, `model/create` and `train` requests in a
/// fresh session (so a trial is reproducible alone from its config and seed), on up to
/// `parallel` threads; results do not depend on how many run at once.
extension Methods {
    /// One searched hyperparameter: where it goes and how it is drawn.
    struct Dimension {
        enum Kind: String { case uniform, logUniform = "log_uniform", oneMinusLogUniform = "one_minus_log_uniform", int, choice }
        var path: String
        var kind: Kind
        var low = 0.0, high = 0.0
        var values: [ConfigValue] = []
        var points: Int?

        /// Maps u in [0, 1] to a value (grid and random share it).
        func value(_ u: Double) -> ConfigValue {
            switch kind {
            case .uniform: return .number(low + (high - low) * u)
            case .logUniform: return .number(Foundation.pow(10, Foundation.log10(low) + (Foundation.log10(high) - Foundation.log10(low)) * u))
            case .oneMinusLogUniform:
                // 1 - 10^r with r between log10(1 - high) and log10(1 - low): the course's β.
                let a = Foundation.log10(1 - high), b = Foundation.log10(1 - low)
                return .number(1 - Foundation.pow(10, a + (b - a) * (1 - u)))
            case .int: return .int(Int(low) + min(Int(u * (high - low + 1)), Int(high - low)))
            case .choice: return values[min(Int(u * Double(values.count)), values.count - 1)]
            }
        }

        /// Where `value` sits in [0, 1], for refining ranges around the best trials.
        func position(_ value: ConfigValue) -> Double? {
            guard let v = value.doubleValue else { return nil }
            switch kind {
            case .uniform, .int: return high > low ? (v - low) / (high - low) : 0
            case .logUniform: return (Foundation.log10(v) - Foundation.log10(low)) / (Foundation.log10(high) - Foundation.log10(low))
            case .oneMinusLogUniform:
                let a = Foundation.log10(1 - high), b = Foundation.log10(1 - low)
                return 1 - (Foundation.log10(1 - v) - a) / (b - a)
            case .choice: return nil
            }
        }
    }

    struct Trial {
        var index: Int
        var seed: UInt64
        var config: [(String, ConfigValue)]
        var objective: Double?
        var diverged: Bool
        var error: GradwellError?
    }

    static func search(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["template", "space", "objective", "strategy", "trials", "seed", "refine", "parallel"])
        guard let templateValue = params.value("template") else { throw GradwellError.missing(params.field("template"), expected: "{\"model\": ..., \"train\": ..., \"datasets\"?: ...}") }
        let template = try Params(templateValue, path: params.field("template"))
        try template.allowOnly(["datasets", "model", "train"])
        guard template.has("model"), template.has("train") else {
            throw GradwellError.missing(template.field(template.has("model") ? "train" : "model"), expected: "the model/create and train params of a trial")
        }
        if let train = try template.object("train") {
            for key in ["checkpoint_path", "checkpoint_every"] where train.has(key) {
                throw GradwellError.invalid(train.field(key), expected: "absent: trials run side by side and would write one file (save the best trial's model instead)")
            }
        }
        let dimensions = try searchSpace(params, template: templateValue)
        let strategy = try params.string("strategy", default: "random", choices: ["random", "grid"])
        let trials = try params.int("trials", default: 10, min: 1, max: session.limits.maxTrials)
        let seed = try params.seed()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let requestedParallel = try params.int("parallel", default: 1, min: 1, max: 1024)
        let parallel = session.limits.allowWorkers ? min(requestedParallel, cores) : 1
        var objective = (data: try template.object("train")?.string("data") ?? "", metric: "accuracy", maximize: true)
        if let spec = try params.object("objective") {
            try spec.allowOnly(["data", "metric", "goal"])
            objective.metric = try spec.string("metric", default: "accuracy", choices: ["accuracy", "cost"])
            objective.data = try spec.string("data", default: objective.data)
            objective.maximize = try spec.string("goal", default: objective.metric == "accuracy" ? "maximize" : "minimize",
                                                 choices: ["maximize", "minimize"]) == "maximize"
        }
        var rounds = 1, keep = 3
        if let refine = try params.object("refine") {
            try refine.allowOnly(["rounds", "keep"])
            rounds = 1 + (try refine.int("rounds", default: 1, min: 0, max: 20))
            keep = try refine.int("keep", default: 3, min: 1)
        }
        guard trials * rounds <= session.limits.maxTrials else {
            throw GradwellError.resourceLimit(params.field("trials"), "trials × rounds would be \(trials * rounds), more than \(session.limits.maxTrials)",
                                              limit: session.limits.maxTrials, requested: Double(trials * rounds))
        }

        var all: [Trial] = []
        var space = dimensions
        for round in 0..<rounds {
            let start = all.count
            let configs = strategy == "grid" ? gridConfigs(space, trials: trials)
                                             : (0..<trials).map { randomConfig(space, seed: seed, index: start + $0) }
            var roundTrials = configs.enumerated().map { offset, config in
                Trial(index: start + offset, seed: trialSeed(seed, start + offset), config: config, objective: nil, diverged: false, error: nil)
            }
            try runTrials(&roundTrials, session: session, template: templateValue, objective: objective, parallel: parallel, context: context)
            all += roundTrials
            if round < rounds - 1 { space = refined(space, around: ranked(all, maximize: objective.maximize).prefix(keep)) }
        }
        let sorted = ranked(all, maximize: objective.maximize)
        var result: [ConfigEntry] = [
            ConfigEntry(key: "trials", value: .array(sorted.map(trialValue))),
            ConfigEntry(key: "best", value: sorted.first.map(trialValue) ?? .null),
            ConfigEntry(key: "strategy", value: .string(strategy)),
            ConfigEntry(key: "objective", value: .object(["data": .string(objective.data), "metric": .string(objective.metric),
                                                          "goal": .string(objective.maximize ? "maximize" : "minimize")])),
            ConfigEntry(key: "parallel", value: .int(parallel)),
        ]
        if parallel < requestedParallel {
            result.append(ConfigEntry(key: "note", value: .string("parallel \(requestedParallel) capped at the machine's \(cores) cores")))
        }
        return .object(result)
    }

    static func trialSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        var random = GradwellRandom.derived(seed: seed, path: [0x7472_6961_6c, UInt64(index)])
        return random.nextUInt64() & 0xFFFF_FFFF
    }

    static func ranked(_ trials: [Trial], maximize: Bool) -> [Trial] {
        trials.sorted { a, b in
            switch (a.objective, b.objective) {
            case let (x?, y?): return x != y ? (maximize ? x > y : x < y) : a.index < b.index
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.index < b.index
            }
        }
    }

    static func trialValue(_ trial: Trial) -> ConfigValue {
        var entries: [ConfigEntry] = [
            ConfigEntry(key: "index", value: .int(trial.index)),
            ConfigEntry(key: "seed", value: .int(Int(trial.seed))),
            ConfigEntry(key: "config", value: .object(trial.config.map { ConfigEntry(key: $0.0, value: $0.1) })),
            ConfigEntry(key: "objective", value: trial.objective.map { .number($0) } ?? .null),
            ConfigEntry(key: "diverged", value: .bool(trial.diverged)),
        ]
        if let error = trial.error { entries.append(ConfigEntry(key: "error", value: .string(error.message))) }
        return .object(entries)
    }

    static func searchSpace(_ params: Params, template: ConfigValue) throws -> [Dimension] {
        guard let space = try params.object("space"), !space.entries.isEmpty else {
            throw GradwellError.missing(params.field("space"), expected: "an object of dotted template paths to {\"type\": ...}")
        }
        return try space.entries.map { entry in
            let path = space.field(entry.key)
            // Every segment named: an empty path ("") or segment ("train..lr") would replace a whole part of the template.
            let segments = entry.key.split(separator: ".", omittingEmptySubsequences: false)
            guard !segments.contains(where: \.isEmpty),
                  setting(template, at: segments.map(String.init), to: .null) != nil else {
                throw GradwellError.invalid(path, expected: "a dotted path into the template whose parent exists (e.g. train.optimizer.lr)", got: "'\(entry.key)'")
            }
            let spec = try Params(entry.value, path: path)
            let kind = try spec.string("type", default: "uniform", choices: ["uniform", "log_uniform", "one_minus_log_uniform", "int", "choice"])
            var dimension = Dimension(path: entry.key, kind: Dimension.Kind(rawValue: kind)!)
            dimension.points = try spec.optionalInt("points", min: 1, max: 10_000)
            if dimension.kind == .choice {
                try spec.allowOnly(["type", "values"])
                guard let values = try spec.array("values"), !values.isEmpty else {
                    throw GradwellError.missing(spec.field("values"), expected: "a non-empty array of choices")
                }
                dimension.values = values
                return dimension
            }
            try spec.allowOnly(["type", "low", "high", "points"])
            dimension.low = try spec.double("low")
            dimension.high = try spec.double("high")
            guard dimension.low < dimension.high else {
                throw GradwellError.invalid(spec.field("high"), expected: "a number > low (\(dimension.low)); the range is empty", got: "\(dimension.high)")
            }
            switch dimension.kind {
            case .logUniform where dimension.low <= 0:
                throw GradwellError.invalid(spec.field("low"), expected: "a number > 0 for log_uniform", got: "\(dimension.low)")
            case .oneMinusLogUniform where dimension.low < 0 || dimension.high >= 1:
                throw GradwellError.invalid(spec.field(dimension.high >= 1 ? "high" : "low"), expected: "0 <= low < high < 1 for one_minus_log_uniform")
            case .int where dimension.low.rounded() != dimension.low || dimension.high.rounded() != dimension.high:
                throw GradwellError.invalid(spec.field("low"), expected: "integer bounds for int")
            case .int where abs(dimension.low) > 9.0e15 || abs(dimension.high) > 9.0e15:
                // Integers beyond 2^53 have no exact double, and high - low + 1 must stay an Int.
                throw GradwellError.invalid(spec.field(abs(dimension.low) > 9.0e15 ? "low" : "high"),
                                            expected: "an integer between -9e15 and 9e15 for int")
            case .uniform where !(dimension.high - dimension.low).isFinite:
                throw GradwellError.invalid(spec.field("high"), expected: "a range whose width high - low is finite")
            default: break
            }
            return dimension
        }
    }

    static func randomConfig(_ space: [Dimension], seed: UInt64, index: Int) -> [(String, ConfigValue)] {
        var random = GradwellRandom.derived(seed: seed, path: [0x7361_6d70_6c65, UInt64(index)])
        return space.map { ($0.path, $0.value(random.nextDouble())) }
    }

    static func gridConfigs(_ space: [Dimension], trials: Int) -> [[(String, ConfigValue)]] {
        let perAxis = max(1, Int(Foundation.pow(Double(trials), 1 / Double(space.count)) + 1e-9))
        let axes: [[ConfigValue]] = space.map { dimension in
            let count: Int
            switch dimension.kind {
            case .choice: count = dimension.values.count
            case .int: count = min(dimension.points ?? perAxis, Int(dimension.high - dimension.low) + 1)
            default: count = dimension.points ?? perAxis
            }
            if dimension.kind == .choice { return dimension.values }
            // Ints map u = 1 to the last bucket; continuous ranges include both ends exactly.
            let top = dimension.kind == .int ? 1 - 1e-12 : 1.0
            return (0..<count).map { i in dimension.value(count == 1 ? 0.5 : Double(i) / Double(count - 1) * top) }
        }
        var configs: [[(String, ConfigValue)]] = [[]]
        for (dimension, values) in zip(space, axes) {
            configs = configs.flatMap { prefix in values.map { prefix + [(dimension.path, $0)] } }
        }
        return Array(configs.prefix(trials))
    }

    /// Each continuous range shrunk to the span of the best trials (with a 10% margin).
    static func refined(_ space: [Dimension], around best: ArraySlice<Trial>) -> [Dimension] {
        space.map { dimension in
            let positions = best.compactMap { trial in trial.config.first { $0.0 == dimension.path }.flatMap { dimension.position($0.1) } }
            guard dimension.kind != .choice, let low = positions.min(), let high = positions.max() else { return dimension }
            let margin = max(0.1 * (high - low), 0.05)
            let a = max(0, low - margin), b = min(1, high + margin)
            var narrowed = dimension
            let lowValue = dimension.value(a).doubleValue!, highValue = dimension.value(b).doubleValue!
            narrowed.low = min(lowValue, highValue)
            narrowed.high = max(lowValue, highValue)
            if narrowed.kind == .int { narrowed.low = narrowed.low.rounded(.down); narrowed.high = narrowed.high.rounded(.up) }
            if narrowed.high <= narrowed.low { return dimension }
            return narrowed
        }
    }

    /// `value` with `path` (dotted, numbers index arrays) set to `newValue`; nil when a parent is missing.
    static func setting(_ value: ConfigValue, at path: [String], to newValue: ConfigValue) -> ConfigValue? {
        guard let head = path.first else { return newValue }
        let rest = Array(path.dropFirst())
        switch value {
        case .object(let entries):
            if let index = entries.firstIndex(where: { $0.key == head }) {
                guard let child = setting(entries[index].value, at: rest, to: newValue) else { return nil }
                var copy = entries
                copy[index].value = child
                return .object(copy)
            }
            guard rest.isEmpty else { return nil }
            return .object(entries + [ConfigEntry(key: head, value: newValue)])
        case .array(var items):
            guard let index = Int(head), items.indices.contains(index), let child = setting(items[index], at: rest, to: newValue) else { return nil }
            items[index] = child
            return .array(items)
        case .string(let name):
            // A component given by name ("adam") becomes {"type": "adam"} so its params can be set.
            return setting(.object([ConfigEntry(key: "type", value: .string(name))]), at: path, to: newValue)
        default:
            return nil
        }
    }

    static func runTrials(_ trials: inout [Trial], session: Session, template: ConfigValue,
                          objective: (data: String, metric: String, maximize: Bool), parallel: Int, context: RequestContext) throws {
        if parallel > 1 {
            try runTrialsInWorkers(&trials, session: session, template: template, objective: objective, parallel: parallel, context: context)
        } else {
            for index in trials.indices where !context.isCancelled() {
                runTrial(&trials[index], session: session, template: template, objective: objective, context: context)
                // A trial cut short by the cancellation is not a finished trial: no notification.
                if context.isCancelled() && trials[index].objective == nil && !trials[index].diverged { break }
                context.notify("trial", .object([ConfigEntry(key: "request", value: context.id)] + (trialValue(trials[index]).objectEntries ?? [])))
            }
        }
        if context.isCancelled() {
            throw GradwellError(.cancelled, "search was cancelled",
                                data: [ConfigEntry(key: "trials", value: .array(trials.filter { $0.objective != nil || $0.diverged }.map(trialValue)))])
        }
        if let failure = trials.first(where: { $0.error != nil })?.error { throw failure }
    }

    static func runTrial(_ trial: inout Trial, session: Session, template: ConfigValue,
                         objective: (data: String, metric: String, maximize: Bool), context: RequestContext) {
        var filled = template
        for (path, value) in trial.config {
            filled = setting(filled, at: path.split(separator: ".").map(String.init), to: value) ?? filled
        }
        let seed = ConfigValue.int(Int(trial.seed))
        filled = setting(filled, at: ["model", "seed"], to: seed) ?? filled
        filled = setting(filled, at: ["train", "seed"], to: seed) ?? filled
        let trialSession = Session(registry: session.registry, limits: session.limits)
        let quiet = RequestContext(id: context.id, notify: { _, _ in }, isCancelled: context.isCancelled)
        do {
            if let datasets = filled["datasets"]?.objectEntries {
                for entry in datasets {
                    let spec = (entry.value.objectEntries ?? []).filter { $0.key != "name" }
                    let params = try Params(.object([ConfigEntry(key: "name", value: .string(entry.key))] + spec), path: "params.template.datasets.\(entry.key)")
                    _ = spec.contains { $0.key == "path" } ? try datasetLoad(trialSession, params, quiet) : try datasetGenerate(trialSession, params, quiet)
                }
            } else {
                trialSession.datasets = session.datasets
            }
            let model = (filled["model"] ?? .object([])).setting("name", to: "trial")
            _ = try modelCreate(trialSession, try Params(model, path: "params.template.model"), quiet)
            let train = (filled["train"] ?? .object([])).setting("model", to: "trial")
            let result = try Methods.train(trialSession, try Params(train, path: "params.template.train"), quiet)
            trial.diverged = result["diverged"]?.boolValue == true
            if !trial.diverged {
                let evaluation = try evaluate(trialSession, try Params(.object(["model": "trial", "data": .string(objective.data)]), path: "params.objective"), quiet)
                trial.objective = evaluation[objective.metric]?.doubleValue
            }
        } catch let error as GradwellError {
            if error.code != .cancelled { trial.error = error }
        } catch {
            trial.error = GradwellError(.internalError, "\(error)")
        }
    }
}
