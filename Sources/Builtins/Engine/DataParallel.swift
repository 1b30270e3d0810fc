import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// A training step's forward and backward passes cut by rows across the host's threads, for
/// networks of dense layers: each thread takes a contiguous slice of the batch (gathering its
/// rows, forward, its share of the cost, backward into its own gradient buffers), then the
/// slices' gradients are added up. One hand-over per step instead of one per matrix product,
/// and every loop of the step (gathers, activations, the loss) runs on all threads.
///
/// The gradient is the batch's, as on one thread, but summed in another order (slice by
/// slice), so a run is bit-reproducible for a fixed `--threads`, not across counts. Used when
/// the host has more than one thread, every layer is `dense`, the loss is a built-in one (their
/// cost and gradient are means over rows, so a slice's share is known), and a step holds enough
/// work to pay for the hand-over, mostly in products too small to split (`accepts`).
final class DataParallelStep<T: Scalar>: ParallelJob, @unchecked Sendable {
    /// The per-step multiply-adds (batch rows × the network's weights) from which steps run in
    /// parallel. GRADWELL_DATA_PARALLEL=0 turns slicing off, =1 uses it for every batch of at
    /// least 8 rows per thread (for measurements).
    static var minimumMultiplyAdds: Int { DataParallelSetting.value == "0" ? .max : 500_000 }
    static var forced: Bool { DataParallelSetting.value == "1" }

    /// One thread's buffers (a class, so threads never write the same array of slices).
    private final class Slice {
        var activations: [Tensor<T>]
        var targets = Tensor<T>()
        /// dL/d(activations[i]), one buffer per layer boundary (each keeps its shape).
        var gradients: [Tensor<T>]
        /// dL/dz of each dense layer.
        var preActivationGradients: [Tensor<T>]
        /// Gradients of W and b per layer; slice 0 writes into the parameters' own instead.
        var weightGradients: [Tensor<T>]
        var biasGradients: [Tensor<T>]
        var cost = 0.0
        var rows = 0

        init(layers: Int) {
            activations = Array(repeating: Tensor<T>(), count: layers + 1)
            gradients = Array(repeating: Tensor<T>(), count: layers + 1)
            preActivationGradients = Array(repeating: Tensor<T>(), count: layers)
            weightGradients = Array(repeating: Tensor<T>(), count: layers)
            biasGradients = Array(repeating: Tensor<T>(), count: layers)
        }
    }

    private let layers: [Dense<T>]
    private let loss: any Loss
    private let weightsPerRow: Int
    private let slices: [Slice]
    /// The network's parameters in `namedParameters` order, each with its layer and whether it
    /// is the bias.
    private let parameters: [(parameter: Parameter<T>, layer: Int, bias: Bool)]
    // The step being run (set by `run(x:y:indices:)` before the threads start).
    private var x = Tensor<T>(), y = Tensor<T>()
    private var indices: ArraySlice<Int> = [][...]
    private var reducing = false

    /// Nil when the network cannot be trained this way.
    init?(network: Network<T>) {
        guard BLASThreads.parts > 1,
              network.loss is SoftmaxCrossEntropy || network.loss is BinaryCrossEntropy || network.loss is MeanSquaredError
        else { return nil }
        var dense: [Dense<T>] = []
        for layer in network.layers {
            guard let layer = layer as? Dense<T> else { return nil }
            dense.append(layer)
        }
        guard !dense.isEmpty else { return nil }
        layers = dense
        loss = network.loss
        weightsPerRow = dense.reduce(0) { $0 + $1.weights.value.count }
        parameters = dense.indices.flatMap { index in
            [(dense[index].weights, index, false)] + (dense[index].bias.map { [($0, index, true)] } ?? [])
        }
        slices = (0..<BLASThreads.parts).map { _ in Slice(layers: dense.count) }
        super.init()
    }

    /// Whether a batch of `rows` rows is better split by rows than product by product: it holds
    /// enough work, and most of that work is in products too small to be split on their own
    /// (below `BLASThreads.splitThreshold`). Large products split by output blocks run faster
    /// than slices of them (each slice would pack the whole weight matrix and sum a full-size
    /// gradient), as measured on the mnist shape.
    func accepts(rows: Int) -> Bool {
        guard rows >= 8 * slices.count else { return false }
        let total = rows * weightsPerRow
        if Self.forced { return true }
        guard total >= Self.minimumMultiplyAdds else { return false }
        var unsplit = 0
        for layer in layers where rows * layer.weights.value.count < BLASThreads.splitThreshold {
            unsplit += rows * layer.weights.value.count
        }
        return 2 * unsplit >= total
    }

    /// Computes the batch `indices` of (x, y): sets every parameter's gradient of the batch's
    /// mean loss and returns that mean loss (without regularization). When it is not finite,
    /// `firstNonFiniteLayer` says where, and the gradients are meaningless.
    ///
    /// With `addingSlices` false the slices' gradients are left apart and each parameter's is
    /// only complete after `addSlices(intoParameter:)`: the optimizer's threads call it just
    /// before they update that parameter (one hand-over per step fewer, and each thread adds
    /// the gradients it then reads).
    func run(x: Tensor<T>, y: Tensor<T>, indices: ArraySlice<Int>, addingSlices: Bool = true) -> Double {
        // The data sets' tensors are shared, not copied: assigning retains their storage.
        self.x = x
        self.y = y
        self.indices = indices
        reducing = false
        precondition(BLASThreads.parts == slices.count, "data-parallel step built for \(slices.count) threads")
        BLASThreads.parallel(self)
        var cost = 0.0
        for s in 0..<slices.count { cost += slices[s].cost * Double(slices[s].rows) }
        cost /= Double(indices.count)
        if cost.isFinite && addingSlices {
            reducing = true
            BLASThreads.parallel(self)
        }
        self.x = Tensor()
        self.y = Tensor()
        self.indices = [][...]
        return cost
    }

    /// Whether `parameters` are this network's, in the order `addSlices(intoParameter:)` counts them.
    func hasParameters(_ parameters: [Parameter<T>]) -> Bool {
        parameters.count == self.parameters.count && parameters.indices.allSatisfy { parameters[$0] === self.parameters[$0].parameter }
    }

    /// Adds slices 1… of parameter `index`'s gradient into the parameter's, all of it or the
    /// range `part` of `parts`: after `run(…, addingSlices: false)` the optimizer's threads call
    /// it for the parameters they update, and `reduce` for a range of every parameter.
    func addSlices(intoParameter index: Int, part: Int = 0, parts: Int = 1) {
        let (parameter, layer, bias) = parameters[index]
        for s in 1..<slices.count {
            Self.add(bias ? slices[s].biasGradients[layer] : slices[s].weightGradients[layer],
                     into: parameter.gradient, part: part, parts: parts)
        }
    }

    /// The first layer whose output held NaN or infinity in any slice of the last step.
    func firstNonFiniteLayer() -> Int? {
        var first: Int?
        for s in 0..<slices.count {
            for index in layers.indices where !slices[s].activations[index + 1].allFinite() {
                if first == nil || index < first! { first = index }
                break
            }
        }
        return first
    }

    override func run(part: Int, parts: Int) {
        if reducing { reduce(part: part, parts: parts) } else { compute(part: part, parts: parts) }
    }

    /// Slice `part`: forward, cost, backward for its rows.
    private func compute(part: Int, parts: Int) {
        let slice = slices[part]
        let total = indices.count
        let lower = indices.startIndex + total * part / parts, upper = indices.startIndex + total * (part + 1) / parts
        slice.rows = upper - lower
        let mine = indices[lower..<upper]
        x.gatherRows(mine, into: &slice.activations[0])
        y.gatherRows(mine, into: &slice.targets)
        for index in 0..<layers.count {
            var output = Tensor<T>()
            swap(&output, &slice.activations[index + 1])
            layers[index].forward(slice.activations[index], into: &output, mode: .training)
            swap(&output, &slice.activations[index + 1])
        }
        let last = layers.count
        slice.cost = loss.costAndGradient(output: slice.activations[last], targets: slice.targets,
                                          into: &slice.gradients[last])
        guard slice.cost.isFinite else { return }
        // The loss's gradient is of this slice's mean; the batch mean weighs it by rows/total.
        Kernels.scale(&slice.gradients[last], by: T(Double(slice.rows) / Double(total)))
        for index in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[index]
            // Slice 0 writes straight into the parameters' gradients: their buffers are lent to
            // it for the call (a swap, no copy).
            if part == 0 { lendParameterGradients(of: layer, to: slice, index) }
            var inputGradient = Tensor<T>()
            swap(&inputGradient, &slice.gradients[index])
            layer.backward(input: slice.activations[index], output: slice.activations[index + 1],
                           outputGradient: slice.gradients[index + 1], inputGradient: &inputGradient,
                           computeInputGradient: index > 0, preActivationGradient: &slice.preActivationGradients[index],
                           weightGradient: &slice.weightGradients[index], biasGradient: &slice.biasGradients[index])
            swap(&inputGradient, &slice.gradients[index])
            if part == 0 { lendParameterGradients(of: layer, to: slice, index) }
        }
    }

    /// Swaps layer `index`'s W and b gradient buffers with the slice's (lending, or giving back).
    private func lendParameterGradients(of layer: Dense<T>, to slice: Slice, _ index: Int) {
        swap(&layer.weights.gradient, &slice.weightGradients[index])
        if let bias = layer.bias { swap(&bias.gradient, &slice.biasGradients[index]) }
    }

    /// Adds slices 1… into the parameters' gradients; part `part` takes a range of each tensor.
    private func reduce(part: Int, parts: Int) {
        for index in 0..<parameters.count { addSlices(intoParameter: index, part: part, parts: parts) }
    }

    /// target[i] += source[i] for i in part `part` of the elements. `target` is a tensor held by
    /// a `Parameter` (a class), written through its storage pointer so that parts write disjoint
    /// ranges of one buffer without copying it.
    private static func add(_ source: Tensor<T>, into target: Tensor<T>, part: Int, parts: Int) {
        let count = target.count
        precondition(source.count == count, "gradient slices differ in shape")
        let lower = count * part / parts, upper = count * (part + 1) / parts
        guard lower < upper else { return }
        source.storage.withUnsafeBufferPointer { from in
            target.storage.withUnsafeBufferPointer { to in
                Kernels.add(from.baseAddress!, to: UnsafeMutablePointer(mutating: to.baseAddress!), range: lower..<upper)
            }
        }
    }
}

/// GRADWELL_DATA_PARALLEL, read once.
private enum DataParallelSetting {
    static let value: String? = getenv("GRADWELL_DATA_PARALLEL").map { String(cString: $0) }
}

/// The optimizer step over all parameters with the parameters shared out between the threads
/// (whole tensors, the largest first to the least loaded thread): one hand-over for the whole
/// update, where updating tensor by tensor hands over once per large tensor (cut into ranges)
/// and runs the small ones on one thread. Used for optimizers that declare
/// `updatesParametersIndependently` (two threads may update two parameters at once), and only when the tensors share out evenly (digits' layers; not mnist's, where one weight matrix
/// holds 85 % of the parameters and is better cut into ranges). Each parameter gets exactly the
/// update it would get on one thread, so the results do not change.
final class ParallelUpdate<T: Scalar>: ParallelJob, @unchecked Sendable {
    private let optimizer: any Optimizer
    private let parameters: [Parameter<T>]
    /// The thread that updates each parameter.
    private let owner: [Int]
    // The step being run (set by `run` before the threads start).
    private var states: UnsafeMutablePointer<[Tensor<T>]>?
    private var step = 0
    private var learningRate = 0.0
    /// A data-parallel step whose slices' gradients are still to be added (`run`'s `addingSlicesOf`).
    private var unfinished: DataParallelStep<T>?

    /// Nil when the update is better done tensor by tensor.
    init?(optimizer: any Optimizer, parameters: [Parameter<T>]) {
        let parts = BLASThreads.parts
        guard parts > 1, parameters.count >= parts, type(of: optimizer).updatesParametersIndependently else { return nil }
        let sizes = parameters.map(\.value.count)
        let total = sizes.reduce(0, +)
        var load = [Int](repeating: 0, count: parts)
        var owner = [Int](repeating: 0, count: parameters.count)
        for index in sizes.indices.sorted(by: { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }) {
            let part = load.indices.min(by: { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 })!
            owner[index] = part
            load[part] += sizes[index]
        }
        // Worth a hand-over, and even: no thread with more than 60 % of the work (2 threads).
        guard total >= 8192, load.max()! * parts * 5 <= total * 6 else { return nil }
        self.optimizer = optimizer
        self.parameters = parameters
        self.owner = owner
        super.init()
    }

    /// Updates every parameter; `states` holds the optimizer state of each, in order. With
    /// `addingSlicesOf`, each parameter's gradient is first completed from that step's slices
    /// (by the thread that updates it).
    func run(states: UnsafeMutablePointer<[Tensor<T>]>, step: Int, learningRate: Double,
             addingSlicesOf unfinished: DataParallelStep<T>? = nil) {
        self.states = states
        self.step = step
        self.learningRate = learningRate
        self.unfinished = unfinished
        BLASThreads.parallel(self)
        self.states = nil
        self.unfinished = nil
    }

    override func run(part: Int, parts: Int) {
        for index in 0..<parameters.count where parts == 1 || owner[index] == part {
            let parameter = parameters[index]
            unfinished?.addSlices(intoParameter: index)
            optimizer.update(&parameter.value, gradient: parameter.gradient, state: &states![index],
                             step: step, learningRate: learningRate)
        }
    }
}
