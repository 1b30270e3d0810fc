import GradwellProtocols

/// Max or average pooling over rows shaped [C, L] or [C, H, W], channel by channel, without
/// padding (as PyTorch's `MaxPool1d/2d` and `AvgPool1d/2d` with `ceil_mode=False`).
public final class Pooling<T: Scalar>: Layer {
    public enum Kind: Sendable { case max, average }
    let kind: Kind
    let geometry: WindowGeometry
    public var outputUnits: Int { geometry.channels * geometry.outputPositions }
    /// For max pooling: the input column each output of the last training forward came from.
    private var sources: [Int32] = []

    init(kind: Kind, geometry: WindowGeometry) {
        self.kind = kind
        self.geometry = geometry
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        let g = geometry, rows = input.rows, channels = g.channels
        output.resize(rows: rows, columns: outputUnits)
        let remember = kind == .max && mode != .inference
        // Grown, never shrunk: a last smaller batch reuses the storage (nothing is allocated per step).
        if remember && sources.count < rows * outputUnits { sources = Array(repeating: 0, count: rows * outputUnits) }
        let scale = 1 / T(g.kernelArea)
        input.storage.withUnsafeBufferPointer { x in
            output.storage.withUnsafeMutableBufferPointer { y in
                for n in 0..<rows {
                    for c in 0..<channels {
                        let plane = n * channels * g.inputPositions + c * g.inputPositions
                        let out = n * channels * g.outputPositions + c * g.outputPositions
                        for oh in 0..<g.outputHeight {
                            for ow in 0..<g.outputWidth {
                                var best = T(-Double.infinity), at = 0, sum: T = 0
                                for i in 0..<g.kernelHeight {
                                    let row = plane + (oh * g.strideHeight + i) * g.width + ow * g.strideWidth
                                    for j in 0..<g.kernelWidth {
                                        let v = x[row + j]
                                        // The first maximum wins; NaN propagates.
                                        if v > best || v.isNaN && !best.isNaN { best = v; at = row + j }
                                        sum += v
                                    }
                                }
                                let o = out + oh * g.outputWidth + ow
                                if kind == .max {
                                    y[o] = best
                                    if remember { sources[o] = Int32(truncatingIfNeeded: at - n * channels * g.inputPositions) }
                                } else {
                                    y[o] = sum * scale
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                         inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        guard computeInputGradient else { return }
        let g = geometry, rows = input.rows, width = g.channels * g.inputPositions
        inputGradient.resize(rows: rows, columns: width)
        inputGradient.fill(0)
        let scale = 1 / T(g.kernelArea)
        outputGradient.storage.withUnsafeBufferPointer { dy in
            inputGradient.storage.withUnsafeMutableBufferPointer { dx in
                for n in 0..<rows {
                    for c in 0..<g.channels {
                        let plane = n * width + c * g.inputPositions
                        let out = n * outputUnits + c * g.outputPositions
                        for oh in 0..<g.outputHeight {
                            for ow in 0..<g.outputWidth {
                                let o = out + oh * g.outputWidth + ow
                                if kind == .max {
                                    dx[n * width + Int(sources[o])] += dy[o]
                                    continue
                                }
                                let share = dy[o] * scale
                                for i in 0..<g.kernelHeight {
                                    let row = plane + (oh * g.strideHeight + i) * g.width + ow * g.strideWidth
                                    for j in 0..<g.kernelWidth { dx[row + j] += share }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `maxpool1d`, `avgpool1d`, `maxpool2d`, `avgpool2d`: the schema and how to build them.
public protocol PoolingDefinition: LayerDefinition {
    static var dimensions: Int { get }
    static var isMax: Bool { get }
}

extension PoolingDefinition {
    public static var parameters: [ParameterSpec] {
        let pair = dimensions == 1 ? "" : " (or [height, width])"
        return [
            .integers("pool_size", count: dimensions, default: nil, min: 1, "Window size\(pair)."),
            .integers("stride", count: dimensions, default: .null, min: 1, "Step between windows\(pair); null: the pool size."),
        ]
    }

    static func geometry(config: ResolvedConfig, inputShape: [Int]) throws -> WindowGeometry {
        let size = config.integers("pool_size", count: dimensions)!
        return try WindowGeometry.make(inputShape: inputShape, dimensions: dimensions, kernel: size,
                                       stride: config.integers("stride", count: dimensions) ?? size, padding: [0, 0], layer: name)
    }

    public static func outputShape(config: ResolvedConfig, inputShape: [Int]) throws -> [Int] {
        let geometry = try geometry(config: config, inputShape: inputShape)
        return geometry.outputShape(channels: geometry.channels, dimensions: dimensions)
    }

    public static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        Pooling<T>(kind: isMax ? .max : .average, geometry: try geometry(config: config, inputShape: context.inputShape))
    }
}

// The four pooling layers, one row each.
public struct MaxPool1DDefinition: PoolingDefinition { public static let name = "maxpool1d", dimensions = 1, isMax = true, summary = "Max over windows of [channels, length] rows, per channel (PyTorch's MaxPool1d)." }
public struct AvgPool1DDefinition: PoolingDefinition { public static let name = "avgpool1d", dimensions = 1, isMax = false, summary = "Mean over windows of [channels, length] rows, per channel (PyTorch's AvgPool1d)." }
public struct MaxPool2DDefinition: PoolingDefinition { public static let name = "maxpool2d", dimensions = 2, isMax = true, summary = "Max over windows of [channels, height, width] rows, per channel (PyTorch's MaxPool2d)." }
public struct AvgPool2DDefinition: PoolingDefinition { public static let name = "avgpool2d", dimensions = 2, isMax = false, summary = "Mean over windows of [channels, height, width] rows, per channel (PyTorch's AvgPool2d)." }

/// The mean over every position of each channel: [C, …] rows become [C].
public final class GlobalAveragePool<T: Scalar>: Layer {
    let channels: Int, positions: Int
    public var outputUnits: Int { channels }

    init(channels: Int, positions: Int) {
        self.channels = channels
        self.positions = positions
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        output.resize(rows: input.rows, columns: channels)
        let scale = 1 / T(positions)
        for n in 0..<input.rows {
            for c in 0..<channels {
                var sum: T = 0
                let start = (n * channels + c) * positions
                for p in 0..<positions { sum += input.storage[start + p] }
                output.storage[n * channels + c] = sum * scale
            }
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                         inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        guard computeInputGradient else { return }
        inputGradient.resize(rows: input.rows, columns: channels * positions)
        let scale = 1 / T(positions)
        for n in 0..<input.rows {
            for c in 0..<channels {
                let share = outputGradient.storage[n * channels + c] * scale, start = (n * channels + c) * positions
                for p in 0..<positions { inputGradient.storage[start + p] = share }
            }
        }
    }
}

/// Registers `global_avg_pool`.
public struct GlobalAveragePoolDefinition: LayerDefinition {
    public static let name = "global_avg_pool"
    public static let summary = "Mean over all positions of each channel: [channels, ...] rows become [channels]."
    public static let parameters: [ParameterSpec] = []

    public static func outputShape(config: ResolvedConfig, inputShape: [Int]) throws -> [Int] {
        guard inputShape.count >= 2 else {
            throw ShapeMismatch(expected: "rows shaped [channels, length] or [channels, height, width]", got: "flat rows of \(inputShape[0])")
        }
        return [inputShape[0]]
    }

    public static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        let shape = try outputShape(config: config, inputShape: context.inputShape)
        return GlobalAveragePool<T>(channels: shape[0], positions: Shape.units(context.inputShape) / shape[0])
    }
}

/// Shaped rows become flat rows of the same values, in the same (channel-first) order.
public final class Flatten<T: Scalar>: Layer {
    public let outputUnits: Int
    init(units: Int) { outputUnits = units }

    public func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        Kernels.copy(input, into: &output)
    }

    public func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                         inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        if computeInputGradient { Kernels.copy(outputGradient, into: &inputGradient) }
    }
}

/// Registers `flatten`.
public struct FlattenDefinition: LayerDefinition {
    public static let name = "flatten"
    public static let summary = "Shaped rows ([channels, length], [channels, height, width]) as flat rows, channel first."
    public static let parameters: [ParameterSpec] = []

    public static func outputShape(config: ResolvedConfig, inputShape: [Int]) throws -> [Int] { [Shape.units(inputShape)] }

    public static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        Flatten<T>(units: context.inputUnits)
    }
}
