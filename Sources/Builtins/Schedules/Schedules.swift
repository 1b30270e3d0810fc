import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// The course's learning-rate decay: lr0 / (1 + decay_rate · epoch).
public struct InverseTimeSchedule: Schedule {
    public static let name = "inverse_time"
    public static let summary = "lr0 / (1 + decay_rate·epoch) (the course's update_lr)."
    public static let parameters: [ParameterSpec] = [.number("decay_rate", default: 1, min: 0, "How fast the rate falls.")]
    let decayRate: Double
    public init(config: ResolvedConfig) { decayRate = config.double("decay_rate") }
    public func learningRate(base: Double, epoch: Int, totalEpochs: Int) -> Double { base / (1 + decayRate * Double(epoch)) }
}

/// The course's scheduled decay: lr0 / (1 + decay_rate · floor(epoch / time_interval)).
public struct StepSchedule: Schedule {
    public static let name = "step"
    public static let summary = "lr0 / (1 + decay_rate·⌊epoch/time_interval⌋) (the course's schedule_lr_decay)."
    public static let parameters: [ParameterSpec] = [
        .number("decay_rate", default: 1, min: 0, "How much each interval lowers the rate."),
        .integer("time_interval", default: 1000, min: 1, "Epochs between decreases."),
    ]
    let decayRate: Double, interval: Int
    public init(config: ResolvedConfig) { decayRate = config.double("decay_rate"); interval = config.int("time_interval") }
    public func learningRate(base: Double, epoch: Int, totalEpochs: Int) -> Double {
        base / (1 + decayRate * Double(epoch / interval))
    }
}

/// lr0 · gamma^epoch.
public struct ExponentialSchedule: Schedule {
    public static let name = "exponential"
    public static let summary = "lr0 · gamma^epoch."
    public static let parameters: [ParameterSpec] = [.number("gamma", default: 0.95, min: 0, max: 1, exclusiveMin: true, "Factor per epoch.")]
    let gamma: Double
    public init(config: ResolvedConfig) { gamma = config.double("gamma") }
    public func learningRate(base: Double, epoch: Int, totalEpochs: Int) -> Double { base * pow(gamma, Double(epoch)) }
}

/// Cosine annealing over the request's epochs (Loshchilov and Hutter 2017, without restarts).
public struct CosineSchedule: Schedule {
    public static let name = "cosine"
    public static let summary = "min_lr + (lr0 - min_lr)(1 + cos(π·epoch/epochs))/2 over the train request's epochs (Loshchilov and Hutter 2017)."
    public static let parameters: [ParameterSpec] = [.number("min_lr", default: 0, min: 0, "The rate reached at the last epoch.")]
    let minimum: Double
    public init(config: ResolvedConfig) { minimum = config.double("min_lr") }
    public func learningRate(base: Double, epoch: Int, totalEpochs: Int) -> Double {
        let progress = totalEpochs > 0 ? Double(min(epoch, totalEpochs)) / Double(totalEpochs) : 1
        return minimum + 0.5 * (base - minimum) * (1 + cos(Double.pi * progress))
    }
}

/// Linear warm-up to lr0 over `warmup_epochs`, then another schedule counted from the end of warm-up.
public struct WarmupSchedule: Schedule {
    public static let name = "warmup"
    public static let summary = "lr0·(epoch+1)/warmup_epochs during warm-up, then `then` from epoch 0 (Goyal et al. 2017)."
    public static let parameters: [ParameterSpec] = [
        .integer("warmup_epochs", default: 5, min: 1, "Epochs of linear warm-up."),
        .component("then", .schedule, default: "constant", "The schedule after warm-up."),
    ]
    let warmup: Int
    let after: any Schedule
    let afterConfig: ResolvedConfig
    public init(config: ResolvedConfig) throws { try self.init(config: config, registry: .builtins) }
    public init(config: ResolvedConfig, registry: Registry) throws {
        warmup = config.int("warmup_epochs")
        afterConfig = config.component("then")
        after = try registry.makeSchedule(afterConfig)
    }
    public func learningRate(base: Double, epoch: Int, totalEpochs: Int) -> Double {
        if epoch < warmup { return base * Double(epoch + 1) / Double(warmup) }
        return after.learningRate(base: base, epoch: epoch - warmup, totalEpochs: max(totalEpochs - warmup, 0))
    }
}
