import GradwellProtocols

extension Registry {
    /// Every builtin component, registered from these plain lists and nowhere else.
    public static let builtins: Registry = {
        do {
            return try Registry().adding(
                layers: [DenseDefinition.self, ActivationDefinition.self, DropoutDefinition.self, BatchNormDefinition.self,
                         Conv1DDefinition.self, Conv2DDefinition.self, MaxPool1DDefinition.self, AvgPool1DDefinition.self,
                         MaxPool2DDefinition.self, AvgPool2DDefinition.self, GlobalAveragePoolDefinition.self, FlattenDefinition.self],
                initializers: [ZerosInitializer.self, RandomInitializer.self, HeInitializer.self, XavierInitializer.self,
                               GlorotInitializer.self, HeUniformInitializer.self, GlorotUniformInitializer.self],
                regularizers: [L2Regularizer.self, L1Regularizer.self, L1L2Regularizer.self],
                optimizers: [GradientDescent.self, Momentum.self, RMSprop.self, Adam.self, Adagrad.self],
                schedules: [ConstantSchedule.self, InverseTimeSchedule.self, StepSchedule.self, ExponentialSchedule.self,
                            CosineSchedule.self, WarmupSchedule.self],
                losses: [BinaryCrossEntropy.self, SoftmaxCrossEntropy.self, MeanSquaredError.self],
                generators: [CirclesGenerator.self, MoonsGenerator.self, BlobsGenerator.self, SpiralGenerator.self,
                             FlowerGenerator.self],
                presets: [
                    Preset(.optimizer, "nesterov", of: "momentum", defaults: ["nesterov": true],
                           "Nesterov momentum (Nesterov 1983; Sutskever et al. 2013): momentum with nesterov set."),
                    Preset(.optimizer, "adamw", of: "adam", defaults: ["decoupled_weight_decay": true, "weight_decay": 0.01],
                           "AdamW (Loshchilov and Hutter 2019): adam with decoupled weight decay θ -= lr·wd·θ."),
                ],
                origin: "builtin")
        } catch {
            preconditionFailure("builtin names clash: \(error)")
        }
    }()
}
