import Foundation
import GradwellProtocols

// Random and grid search with coarse-to-fine rounds: how hyperparameters are drawn, how trials
// are ranked, and how ranges narrow around the best. The host runs the trials; nothing here
// knows the wire.

/// One searched hyperparameter: where it goes and how it is drawn.
public struct SearchDimension: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case uniform, logUniform = "log_uniform", oneMinusLogUniform = "one_minus_log_uniform", int, choice }
    public var path: String
    public var kind: Kind
    public var low = 0.0, high = 0.0
    public var values: [ConfigValue] = []
    public var points: Int?

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// What is wrong with `low` and `high` for this kind of range, naming the bound: nil when
    /// they are usable.
    public var rangeProblem: (field: String, expected: String, got: String?)? {
        guard low < high else { return ("high", "a number > low (\(low)); the range is empty", "\(high)") }
        switch kind {
        case .logUniform where low <= 0:
            return ("low", "a number > 0 for log_uniform", "\(low)")
        case .oneMinusLogUniform where low < 0 || high >= 1:
            return (high >= 1 ? "high" : "low", "0 <= low < high < 1 for one_minus_log_uniform", nil)
        case .int where low.rounded() != low || high.rounded() != high:
            return ("low", "integer bounds for int", nil)
        case .int where abs(low) > 9.0e15 || abs(high) > 9.0e15:
            // Integers beyond 2^53 have no exact double, and high - low + 1 must stay an Int.
            return (abs(low) > 9.0e15 ? "low" : "high", "an integer between -9e15 and 9e15 for int", nil)
        case .uniform where !(high - low).isFinite:
            return ("high", "a range whose width high - low is finite", nil)
        default:
            return nil
        }
    }

    /// Maps u in [0, 1] to a value (grid and random share it).
    public func value(_ u: Double) -> ConfigValue {
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
    public func position(_ value: ConfigValue) -> Double? {
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

/// One trial of a search: its settings (dotted template path, value), seed and outcome.
public struct SearchTrial<Failure: Error> {
    public var index: Int
    public var seed: UInt64
    public var config: [(String, ConfigValue)]
    /// The measured objective; nil until the trial ran, and for a diverged or failed trial.
    public var objective: Double? = nil
    public var diverged = false
    /// Why the trial could not run, when it could not.
    public var error: Failure? = nil

    public init(index: Int, seed: UInt64, config: [(String, ConfigValue)]) {
        (self.index, self.seed, self.config) = (index, seed, config)
    }
}

public enum HyperparameterSearch {
    public static func trialSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        var random = GradwellRandom.derived(seed: seed, path: [0x7472_6961_6c, UInt64(index)])
        return random.nextUInt64() & 0xFFFF_FFFF
    }

    public static func ranked<F>(_ trials: [SearchTrial<F>], maximize: Bool) -> [SearchTrial<F>] {
        trials.sorted { a, b in
            switch (a.objective, b.objective) {
            case let (x?, y?): return x != y ? (maximize ? x > y : x < y) : a.index < b.index
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.index < b.index
            }
        }
    }

    public static func randomConfig(_ space: [SearchDimension], seed: UInt64, index: Int) -> [(String, ConfigValue)] {
        var random = GradwellRandom.derived(seed: seed, path: [0x7361_6d70_6c65, UInt64(index)])
        return space.map { ($0.path, $0.value(random.nextDouble())) }
    }

    public static func gridConfigs(_ space: [SearchDimension], trials: Int) -> [[(String, ConfigValue)]] {
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
    public static func refined<F>(_ space: [SearchDimension], around best: ArraySlice<SearchTrial<F>>) -> [SearchDimension] {
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
}
