import Foundation
import GradwellBuiltins
import GradwellProtocols

/// `search`: random or grid search over a template of requests, with coarse-to-fine rounds.
/// Each trial runs the template's own `dataset/*`, `model/create` and `train` requests in a
/// fresh session (so a trial is reproducible alone from its config and seed), on up to
/// `parallel` threads; results do not depend on how many run at once.
extension Methods {
    typealias Trial = SearchTrial<GradwellError>

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
            let configs = strategy == "grid" ? HyperparameterSearch.gridConfigs(space, trials: trials)
                                             : (0..<trials).map { HyperparameterSearch.randomConfig(space, seed: seed, index: start + $0) }
            var roundTrials = configs.enumerated().map { offset, config in
                Trial(index: start + offset, seed: HyperparameterSearch.trialSeed(seed, start + offset), config: config)
            }
            try runTrials(&roundTrials, session: session, template: templateValue, objective: objective, parallel: parallel, context: context)
            all += roundTrials
            if round < rounds - 1 { space = HyperparameterSearch.refined(space, around: HyperparameterSearch.ranked(all, maximize: objective.maximize).prefix(keep)) }
        }
        let sorted = HyperparameterSearch.ranked(all, maximize: objective.maximize)
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

    static func searchSpace(_ params: Params, template: ConfigValue) throws -> [SearchDimension] {
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
            let kind = try spec.string("type", default: "uniform", choices: SearchDimension.Kind.allCases.map(\.rawValue))
            var dimension = SearchDimension(path: entry.key, kind: SearchDimension.Kind(rawValue: kind)!)
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
            if let problem = dimension.rangeProblem {
                throw GradwellError.invalid(spec.field(problem.field), expected: problem.expected, got: problem.got)
            }
            return dimension
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
                    do {
                        _ = spec.contains { $0.key == "path" } ? try datasetLoad(trialSession, params, quiet) : try datasetGenerate(trialSession, params, quiet)
                    } catch let problem as ConfigProblem {
                        throw problem.error(under: params.path)
                    }
                }
            } else {
                trialSession.datasets = session.datasets
            }
            let model = (filled["model"] ?? .object([])).setting("name", to: "trial")
            do {
                _ = try modelCreate(trialSession, try Params(model, path: "params.template.model"), quiet)
            } catch let problem as ConfigProblem {
                throw problem.error(under: "params.template.model")
            }
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
