import GradwellProtocols

/// The buffers one pass through a network writes: each layer's output and the gradient with
/// respect to it. Every buffer keeps one shape from step to step (a buffer passed from layer to
/// layer would be resized, and refilled, at every layer). Training and evaluation keep separate
/// workspaces, so switching between them never reallocates.
public struct Workspace<T: Scalar> {
    /// `activations[0]` is the input batch; `activations[i + 1]` is layer i's output.
    public var activations: [Tensor<T>]
    /// `gradients[i]`: dL/d`activations[i]` (index 0, the input's, is never computed).
    var gradients: [Tensor<T>]

    public init(layerCount: Int) {
        activations = Array(repeating: Tensor<T>(), count: layerCount + 1)
        gradients = Array(repeating: Tensor<T>(), count: layerCount + 1)
    }
}

/// A stack of layers with a loss: forward, loss, and backward through every layer.
public final class Network<T: Scalar> {
    public let layers: [any Layer<T>]
    public let loss: any Loss
    /// The activation applied to outputs for predictions when the loss works from logits.
    public let predictionActivation: Activation?
    public let inputUnits: Int
    public var outputUnits: Int { layers.isEmpty ? inputUnits : layers[layers.count - 1].outputUnits }

    /// Builds the network, letting the loss take over the final activation when it fuses one.
    /// Throws when the last layer ends in an activation the loss cannot work from.
    public init(layers: [any Layer<T>], loss: any Loss, inputUnits: Int) throws {
        self.layers = layers
        self.loss = loss
        self.inputUnits = inputUnits
        if let fused = loss.fusedActivation, let last = layers.last {
            if last.handOverActivation(fused) || last.outputActivation == .linear {
                predictionActivation = fused
            } else if let activation = last.outputActivation {
                throw ConfigProblem(field: "layers[\(layers.count - 1)].activation",
                    expected: "\(fused.name) or linear, since \(type(of: loss).name) computes \(fused.name) itself from logits",
                    got: activation.name)
            } else {
                throw ConfigProblem(field: "layers[\(layers.count - 1)]",
                    expected: "a last layer ending in \(fused.name) or linear (dense or activation), since \(type(of: loss).name) works from logits",
                    got: "a layer that does not end in an activation")
            }
        } else {
            predictionActivation = nil
        }
    }

    /// Every trainable parameter with its wire name ("layers[0].W").
    public var namedParameters: [(name: String, parameter: Parameter<T>)] {
        layers.enumerated().flatMap { index, layer in
            layer.parameters.map { ("layers[\(index)].\($0.name)", $0) }
        }
    }

    /// Runs `workspace.activations[0]` through every layer.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func forward(_ workspace: inout Workspace<T>, mode: Mode) {
        for (index, layer) in layers.enumerated() {
            var output = Tensor<T>()
            swap(&output, &workspace.activations[index + 1])
            layer.forward(workspace.activations[index], into: &output, mode: mode)
            swap(&output, &workspace.activations[index + 1])
        }
    }

    /// The network's raw output after `forward` (logits when the loss took the activation over).
    public func output(_ workspace: Workspace<T>) -> Tensor<T> { workspace.activations[layers.count] }

    /// Sets every parameter's gradient of the mean loss against `targets`, after a training forward.
    public func backward(_ workspace: inout Workspace<T>, targets: Tensor<T>) {
        loss.gradient(output: workspace.activations[layers.count], targets: targets, into: &workspace.gradients[layers.count])
        backward(&workspace)
    }

    /// The training step's forward: runs the batch through every layer and returns the mean
    /// loss against `targets`, leaving the loss's gradient in the workspace for `backward(_:)`
    /// (computed with the cost, in one pass where the loss can).
    public func forwardWithLoss(_ workspace: inout Workspace<T>, targets: Tensor<T>) -> Double {
        forward(&workspace, mode: .training)
        return loss.costAndGradient(output: workspace.activations[layers.count], targets: targets,
                                    into: &workspace.gradients[layers.count])
    }

    /// Sets every parameter's gradient from the loss's gradient that `forwardWithLoss` left.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(_ workspace: inout Workspace<T>) {
        for index in stride(from: layers.count - 1, through: 0, by: -1) {
            // Moved out and back, so the layer gets its buffer without an exclusivity conflict or a copy.
            var inputGradient = Tensor<T>()
            swap(&inputGradient, &workspace.gradients[index])
            layers[index].backward(input: workspace.activations[index], output: workspace.activations[index + 1],
                                   outputGradient: workspace.gradients[index + 1], inputGradient: &inputGradient,
                                   computeInputGradient: index > 0)
            swap(&inputGradient, &workspace.gradients[index])
        }
    }

    /// The first layer whose output holds NaN or infinity after a forward pass, if any.
    public func firstNonFiniteLayer(_ workspace: Workspace<T>) -> Int? {
        for index in layers.indices where !workspace.activations[index + 1].allFinite() { return index }
        return nil
    }

    /// Probabilities (or raw outputs) for the rows in `workspace.activations[0]`, in inference mode.
    public func predictions(_ workspace: inout Workspace<T>) -> Tensor<T> {
        forward(&workspace, mode: .inference)
        var result = output(workspace)
        predictionActivation?.apply(&result)
        return result
    }
}
