import GradwellProtocols

/// The optimizer's learning rate, unchanged.
public struct ConstantSchedule: Schedule {
    public static let name = "constant"
    public static let summary = "The base learning rate throughout."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}
    public func learningRate(base: Double, epoch: Int, totalEpochs: Int) -> Double { base }
}
