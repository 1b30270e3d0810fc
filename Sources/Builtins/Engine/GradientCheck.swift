import GradwellProtocols

/// What a gradient check compares, and how strictly.
public struct GradientCheckOptions {
    public var epsilon: Double
    public var threshold: Double
    /// Check at most this many entries, sampled deterministically; nil checks them all.
    public var maxEntries: Int?
    public var regularizers: [any Regularizer]

    public init(epsilon: Double = 1e-7, threshold: Double = 1e-7, maxEntries: Int? = nil, regularizers: [any Regularizer] = []) {
        self.epsilon = epsilon
        self.threshold = threshold
        self.maxEntries = maxEntries
        self.regularizers = regularizers
    }
}

/// The result of a gradient check: overall and per tensor, with the worst entries located.
public struct GradientCheckReport: Sendable {
    public struct ParameterReport: Sendable {
        public var name: String
        public var difference: Double
        public var entries: Int
        /// Both gradients are exactly zero (a bias before batch norm): not a failure.
        public var zero: Bool
    }

    public struct Entry: Sendable {
        public var parameter: String
        public var index: Int
        public var analytic: Double
        public var numeric: Double
    }

    public var difference: Double
    public var passed: Bool
    public var threshold: Double
    public var checkedEntries: Int
    public var totalEntries: Int
    public var parameters: [ParameterReport]
    public var worst: [Entry]
}

/// Central differences in float64 against backpropagation: ||g - g̃|| / (||g|| + ||g̃||).
public enum GradientCheck {
    /// Checks `model`'s gradient of the full cost (loss plus regularizers) on `data`, on a
    /// float64 copy, with dropout off and batch norm using the batch's statistics.
    public static func run(model: any TrainableModel, data: Dataset, options: GradientCheckOptions,
                           registry: Registry) throws -> GradientCheckReport {
        var specification = model.specification
        specification.dtype = .float64
        let copy = try Model<Double>(specification, registry: registry)
        try copy.restore(model.snapshot())
        return copy.gradientCheck(data: data, options: options)
    }
}

extension Model where T == Double {
    func gradientCheck(data: Dataset, options: GradientCheckOptions) -> GradientCheckReport {
        let x = data.featureTensor(T.self)
        let y = data.targetTensor(Double.self)
        var workspace = Workspace<Double>(layerCount: network.layers.count)
        let named = network.namedParameters
        let examples = x.rows

        func cost() -> Double {
            workspace.activations[0] = x
            network.forward(&workspace, mode: .gradientCheck)
            var total = network.loss.cost(output: network.output(workspace), targets: y)
            for regularizer in options.regularizers {
                for (_, parameter) in named where parameter.regularized {
                    total += regularizer.cost(parameter.value, examples: examples)
                }
            }
            return total
        }

        // Analytic gradients.
        workspace.activations[0] = x
        network.forward(&workspace, mode: .gradientCheck)
        network.backward(&workspace, targets: y)
        for regularizer in options.regularizers {
            for (_, parameter) in named where parameter.regularized {
                regularizer.addGradient(parameter.value, examples: examples, to: &parameter.gradient)
            }
        }
        let analytic = named.map { $0.parameter.gradient.storage }

        // Which entries: all, or a deterministic sample across every tensor.
        let sizes = named.map { $0.parameter.value.count }
        let total = sizes.reduce(0, +)
        var selected: [Int]
        if let limit = options.maxEntries, limit < total {
            var random = GradwellRandom(seed: 0x6772_6164_6368_6563)  // "gradchec"
            var chosen = Set<Int>()
            for j in (total - limit)..<total {  // Floyd's sampling without replacement
                let t = random.nextInt(through: j)
                chosen.insert(chosen.contains(t) ? j : t)
            }
            selected = chosen.sorted()
        } else {
            selected = Array(0..<total)
        }

        var offsets: [Int] = []
        var running = 0
        for size in sizes { offsets.append(running); running += size }
        var perParameter = Array(repeating: (dot: 0.0, analytic: 0.0, numeric: 0.0, count: 0), count: named.count)
        var entries: [GradientCheckReport.Entry] = []
        var tensor = 0
        for flat in selected {
            while flat >= offsets[tensor] + sizes[tensor] { tensor += 1 }
            let index = flat - offsets[tensor]
            let parameter = named[tensor].parameter
            let original = parameter.value.storage[index]
            parameter.value.storage[index] = original + options.epsilon
            let plus = cost()
            parameter.value.storage[index] = original - options.epsilon
            let minus = cost()
            parameter.value.storage[index] = original
            let numeric = (plus - minus) / (2 * options.epsilon)
            let exact = analytic[tensor][index]
            perParameter[tensor].dot += (exact - numeric) * (exact - numeric)
            perParameter[tensor].analytic += exact * exact
            perParameter[tensor].numeric += numeric * numeric
            perParameter[tensor].count += 1
            entries.append(GradientCheckReport.Entry(parameter: named[tensor].name, index: index, analytic: exact, numeric: numeric))
        }

        /// ‖g − g̃‖ / (‖g‖ + ‖g̃‖) from the three sums of squares; 0 when both are zero, NaN
        /// (so not passed) when a gradient or the difference is not finite.
        func relative(_ d: Double, _ a: Double, _ n: Double) -> Double {
            let denominator = a.squareRoot() + n.squareRoot()
            guard d.isFinite, denominator.isFinite else { return .nan }
            return denominator > 0 ? d.squareRoot() / denominator : 0
        }
        let sums = perParameter.reduce((0.0, 0.0, 0.0)) { ($0.0 + $1.dot, $0.1 + $1.analytic, $0.2 + $1.numeric) }
        let difference = relative(sums.0, sums.1, sums.2)
        let parameters = named.indices.compactMap { i -> GradientCheckReport.ParameterReport? in
            let p = perParameter[i]
            guard p.count > 0 else { return nil }
            return GradientCheckReport.ParameterReport(name: named[i].name, difference: relative(p.dot, p.analytic, p.numeric),
                                                       entries: p.count,
                                                       // Exactly zero, up to rounding: a bias before batch norm.
                                                       zero: p.analytic.squareRoot() < 1e-10 && p.numeric.squareRoot() < 1e-6)
        }
        let worst = entries.sorted { abs($0.analytic - $0.numeric) > abs($1.analytic - $1.numeric) }.prefix(5)
        return GradientCheckReport(difference: difference, passed: difference.isFinite && difference < options.threshold,
                                   threshold: options.threshold, checkedEntries: selected.count, totalEntries: total,
                                   parameters: parameters, worst: Array(worst))
    }
}
