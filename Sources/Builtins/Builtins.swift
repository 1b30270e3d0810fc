import GradwellProtocols

extension Registry {
    /// Every builtin component, registered from these plain lists and nowhere else.
    public static let builtins: Registry = {
        do {
            return try Registry().adding(
                layers: [DenseDefinition.self, ActivationDefinition.self],
                initializers: [ZerosInitializer.self, RandomInitializer.self, HeInitializer.self, XavierInitializer.self,
                               GlorotInitializer.self, HeUniformInitializer.self, GlorotUniformInitializer.self],
                regularizers: [],
                optimizers: [GradientDescent.self],
                schedules: [ConstantSchedule.self],
                losses: [BinaryCrossEntropy.self, SoftmaxCrossEntropy.self, MeanSquaredError.self],
                generators: [CirclesGenerator.self, MoonsGenerator.self, BlobsGenerator.self, SpiralGenerator.self,
                             FlowerGenerator.self],
                origin: "builtin")
        } catch {
            preconditionFailure("builtin names clash: \(error)")
        }
    }()
}
