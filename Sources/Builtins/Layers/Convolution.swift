import CKernels
import GradwellProtocols

/// Where a sliding window (a convolution's kernel, a pooling window) lands on rows shaped
/// [C, H, W]; a 1-D layer is the same with H = 1 and a window one row high.
public struct WindowGeometry: Sendable, Equatable {
    public var channels: Int, height: Int, width: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    /// Zeros added before the first row and column (those after follow from the output size).
    public var padTop: Int, padLeft: Int
    public var outputHeight: Int, outputWidth: Int

    public var inputPositions: Int { height * width }
    public var outputPositions: Int { outputHeight * outputWidth }
    public var kernelArea: Int { kernelHeight * kernelWidth }

    /// The geometry of a window over `inputShape` ([C, L] when `dimensions` is 1, [C, H, W] when
    /// 2); `padding` nil means "same" (PyTorch's: stride 1, the output as large as the input,
    /// an even kernel's extra zero after). Throws when the window does not fit.
    public static func make(inputShape: [Int], dimensions: Int, kernel: [Int], stride: [Int], padding: [Int]?,
                            layer: String) throws -> WindowGeometry {
        guard inputShape.count == dimensions + 1 else {
            let wanted = dimensions == 1 ? "[channels, length]" : "[channels, height, width]"
            throw ShapeMismatch(expected: "rows shaped \(wanted) (give model/create's input as a shape)",
                                got: "rows shaped \(Shape.describe(inputShape))")
        }
        let size = dimensions == 1 ? [1, inputShape[1]] : [inputShape[1], inputShape[2]]
        let kernel = dimensions == 1 ? [1, kernel[0]] : kernel
        let stride = dimensions == 1 ? [1, stride[0]] : stride
        var before = [0, 0], output = [0, 0]
        for axis in 0..<2 {
            if let padding {
                let pad = dimensions == 1 ? (axis == 0 ? 0 : padding[0]) : padding[axis]
                before[axis] = pad
                let span = size[axis] + 2 * pad
                guard span >= kernel[axis] else {
                    throw ShapeMismatch(expected: "rows at least as long as its window of \(kernel[axis]) (counting the padding of \(pad) on each side)",
                                        got: "rows shaped \(Shape.describe(inputShape))")
                }
                output[axis] = (span - kernel[axis]) / stride[axis] + 1
            } else {
                guard stride[axis] == 1 else {
                    throw ShapeMismatch(expected: "stride 1 with padding \"same\" (as PyTorch; give the padding as a number)",
                                        got: "stride \(stride[axis])")
                }
                before[axis] = (kernel[axis] - 1) / 2
                output[axis] = size[axis]
            }
        }
        return WindowGeometry(channels: inputShape[0], height: size[0], width: size[1], kernelHeight: kernel[0],
                              kernelWidth: kernel[1], strideHeight: stride[0], strideWidth: stride[1],
                              padTop: before[0], padLeft: before[1], outputHeight: output[0], outputWidth: output[1])
    }

    /// The output row's shape for a layer with `channels` output channels.
    public func outputShape(channels: Int, dimensions: Int) -> [Int] {
        dimensions == 1 ? [channels, outputWidth] : [channels, outputHeight, outputWidth]
    }

    /// The geometry as the C kernels take it.
    var cWindow: gw_window {
        gw_window(channels: channels, height: height, width: width, kernel_height: kernelHeight, kernel_width: kernelWidth,
                  stride_height: strideHeight, stride_width: strideWidth, pad_top: padTop, pad_left: padLeft,
                  output_height: outputHeight, output_width: outputWidth)
    }
}

/// A convolution over rows shaped [C, L] (`conv1d`) or [C, H, W] (`conv2d`), as PyTorch's
/// `Conv1d`/`Conv2d` (cross-correlation, zero padding): W of shape (filters, C·kernel area),
/// whose rows are PyTorch's (F, C, k) or (F, C, kh, kw) weights, flattened.
///
/// The products go through BLAS: the batch's windows are laid out as the columns of one matrix
/// (im2col, (C·k) × (rows·positions)), so the forward is one product W · cols and the backward
/// two (dW = dZ · colsᵀ, dcols = Wᵀ · dZ, folded back onto the input: col2im).
public final class Convolution<T: Scalar>: EndsInActivation {
    public let weights: Parameter<T>
    public let bias: Parameter<T>?
    public var activation: Activation
    let geometry: WindowGeometry
    let filters: Int
    public var outputUnits: Int { filters * geometry.outputPositions }
    public var parameters: [Parameter<T>] { bias.map { [weights, $0] } ?? [weights] }
    /// Per row: the windows and their gradient (C·k·P each), the product and dL/dz (F·P each).
    public var workspaceUnits: Int { 2 * geometry.channels * geometry.kernelArea * geometry.outputPositions + 2 * outputUnits }
    // Buffers reused between steps: the windows of the last training forward (backward reads
    // them), of inference passes, the product in (filter, row·position) order, dL/dz and dcols.
    private var trainingColumns = Tensor<T>(), inferenceColumns = Tensor<T>()
    private var product = Tensor<T>(), preActivationGradient = Tensor<T>()
    private var filterMajorGradient = Tensor<T>(), columnGradient = Tensor<T>()
    /// Each filter's bias repeated over the output positions: one row added to every output row.
    private var positionBias = Tensor<T>(), positionSums = Tensor<T>()

    init(weights: Tensor<T>, bias: Tensor<T>?, activation: Activation, geometry: WindowGeometry) {
        self.weights = Parameter(name: "W", value: weights, regularized: true)
        self.bias = bias.map { Parameter(name: "b", value: $0, regularized: false) }
        self.activation = activation
        self.geometry = geometry
        filters = weights.rows
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func forward(_ input: Tensor<T>, into output: inout Tensor<T>, mode: Mode) {
        let rows = input.rows, positions = geometry.outputPositions
        if mode == .inference {
            Self.windows(of: input, geometry, into: &inferenceColumns)
            Kernels.matmul(weights.value, inferenceColumns, into: &product)
        } else {
            Self.windows(of: input, geometry, into: &trainingColumns)
            Kernels.matmul(weights.value, trainingColumns, into: &product)
        }
        // (filter, row·position) → (row, filter·position), then each filter's bias and the
        // activation in one pass (the vectorized bias + ReLU kernel for ReLU).
        output.resize(rows: rows, columns: filters * positions)
        Self.swapBlocks(product, outer: filters, inner: rows, block: positions, into: &output)
        positionBias.resize(rows: 1, columns: filters * positions)
        for f in 0..<filters {
            let b = bias?.value.storage[f] ?? 0
            for p in 0..<positions { positionBias.storage[f * positions + p] = b }
        }
        activation.apply(&output, addingRow: positionBias)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(input: Tensor<T>, output: Tensor<T>, outputGradient: Tensor<T>,
                         inputGradient: inout Tensor<T>, computeInputGradient: Bool) {
        let rows = input.rows, positions = geometry.outputPositions
        activation.backward(output: output, gradient: outputGradient, into: &preActivationGradient)
        filterMajorGradient.resize(rows: filters, columns: rows * positions)
        Self.swapBlocks(preActivationGradient, outer: rows, inner: filters, block: positions, into: &filterMajorGradient)
        // dW = dZ · colsᵀ; db = Σ dZ over rows and positions; dcols = Wᵀ · dZ.
        Kernels.matmul(filterMajorGradient, trainingColumns, transposeB: true, into: &weights.gradient)
        if let bias {
            // Column sums over the batch (vectorized), then over each filter's positions.
            Kernels.columnSums(preActivationGradient, into: &positionSums)
            for f in 0..<filters {
                var sum: T = 0
                for p in 0..<positions { sum += positionSums.storage[f * positions + p] }
                bias.gradient.storage[f] = sum
            }
        }
        guard computeInputGradient else { return }
        Kernels.matmul(weights.value, transposeA: true, filterMajorGradient, into: &columnGradient)
        Self.foldWindows(columnGradient, geometry, rows: rows, into: &inputGradient)
    }

    /// Blocks of `block` elements from (outer, inner) order to (inner, outer) order: block
    /// (a, b) of `source` lands at block (b, a) of `destination` (already sized). The product's
    /// (filter, row, position) layout becomes the rows' (row, filter, position) and back.
    static func swapBlocks(_ source: Tensor<T>, outer: Int, inner: Int, block: Int, into destination: inout Tensor<T>) {
        source.storage.withUnsafeBufferPointer { from in
            destination.storage.withUnsafeMutableBufferPointer { to in
                for a in 0..<outer {
                    for b in 0..<inner {
                        (to.baseAddress! + (b * outer + a) * block).update(from: from.baseAddress! + (a * inner + b) * block, count: block)
                    }
                }
            }
        }
    }

    /// im2col: column n·P + p of `columns` holds the window of output position p of row n,
    /// channel by channel, zeros where it overhangs the padding (vectorized C).
    static func windows(of input: Tensor<T>, _ g: WindowGeometry, into columns: inout Tensor<T>) {
        columns.resize(rows: g.channels * g.kernelArea, columns: input.rows * g.outputPositions)
        var window = g.cWindow
        input.storage.withUnsafeBufferPointer { x in
            columns.storage.withUnsafeMutableBufferPointer { cols in
                T.im2col(x.baseAddress!, into: cols.baseAddress!, rows: input.rows, window: &window)
            }
        }
    }

    /// col2im: each input position gets the sum of the window elements of `columns` it gave.
    static func foldWindows(_ columns: Tensor<T>, _ g: WindowGeometry, rows: Int, into input: inout Tensor<T>) {
        input.resize(rows: rows, columns: g.channels * g.inputPositions)
        var window = g.cWindow
        columns.storage.withUnsafeBufferPointer { cols in
            input.storage.withUnsafeMutableBufferPointer { x in
                T.col2im(cols.baseAddress!, into: x.baseAddress!, rows: rows, window: &window)
            }
        }
    }
}

/// `conv1d` and `conv2d`: the schema and how to build them.
public protocol ConvolutionDefinition: LayerDefinition {
    static var dimensions: Int { get }
}

extension ConvolutionDefinition {
    static var convolutionParameters: [ParameterSpec] {
        let pair = dimensions == 1 ? "" : " (or [height, width])"
        return [
            .integer("filters", default: nil, min: 1, "Number of output channels."),
            .integers("kernel_size", count: dimensions, default: nil, min: 1, "Kernel size\(pair)."),
            .integers("stride", count: dimensions, default: 1, min: 1, "Step between windows\(pair)."),
            .integers("padding", count: dimensions, default: 0, min: 0, allowsSame: true,
                      "Zeros on each side\(pair), or \"same\" (stride 1: the output as large as the input)."),
            .choice("activation", Activation.names, default: "linear", family: "activation", "Activation applied to the output."),
            .number("negative_slope", default: 0.01, min: 0, "Slope for negative inputs of leaky_relu."),
            .component("init", .initializer, default: "he", "Initializer of W (fan_in = channels × kernel area); b starts at zero."),
            .boolean("use_bias", default: true, "Whether the layer has a bias per filter."),
        ]
    }

    static func geometry(config: ResolvedConfig, inputShape: [Int]) throws -> WindowGeometry {
        try WindowGeometry.make(inputShape: inputShape, dimensions: dimensions,
                                kernel: config.integers("kernel_size", count: dimensions)!,
                                stride: config.integers("stride", count: dimensions)!,
                                padding: config.integers("padding", count: dimensions), layer: name)
    }

    public static func outputShape(config: ResolvedConfig, inputShape: [Int]) throws -> [Int] {
        try geometry(config: config, inputShape: inputShape).outputShape(channels: config.int("filters"), dimensions: dimensions)
    }

    public static func workspaceUnits(config: ResolvedConfig, inputShape: [Int]) -> Double {
        guard let g = try? geometry(config: config, inputShape: inputShape) else { return 0 }
        return 2 * Double(g.channels) * Double(g.kernelArea) * Double(g.outputPositions)
            + 2 * Double(config.int("filters")) * Double(g.outputPositions)
    }

    public static func parameterCount(config: ResolvedConfig, inputShape: [Int]) -> Double {
        let filters = Double(config.int("filters"))
        let area = Double(config.integers("kernel_size", count: dimensions)!.reduce(1, *))
        return filters * Double(inputShape.first ?? 1) * area + (config.bool("use_bias") ? filters : 0)
    }

    public static func make<T: Scalar>(config: ResolvedConfig, context: inout LayerContext, as: T.Type) throws -> any Layer<T> {
        let geometry = try geometry(config: config, inputShape: context.inputShape)
        let filters = config.int("filters")
        let fanIn = geometry.channels * geometry.kernelArea
        let initializer = try context.registry.makeInitializer(config.component("init"))
        var weights = Tensor<T>(rows: filters, columns: fanIn)
        initializer.fill(&weights, fanIn: fanIn, fanOut: filters * geometry.kernelArea, random: &context.initialization)
        let activation = Activation(name: config.string("activation"), slope: config.double("negative_slope"))!
        let bias = config.bool("use_bias") ? Tensor<T>(rows: 1, columns: filters) : nil
        return Convolution(weights: weights, bias: bias, activation: activation, geometry: geometry)
    }
}

/// Registers `conv1d`: rows shaped [channels, length].
public struct Conv1DDefinition: ConvolutionDefinition {
    public static let name = "conv1d"
    public static let summary = "1-D convolution over [channels, length] rows, as PyTorch's Conv1d; W of shape (filters, channels, kernel)."
    public static let dimensions = 1
    public static let parameters: [ParameterSpec] = convolutionParameters
}

/// Registers `conv2d`: rows shaped [channels, height, width].
public struct Conv2DDefinition: ConvolutionDefinition {
    public static let name = "conv2d"
    public static let summary = "2-D convolution over [channels, height, width] rows, as PyTorch's Conv2d; W of shape (filters, channels, kh, kw)."
    public static let dimensions = 2
    public static let parameters: [ParameterSpec] = convolutionParameters
}
