import CKernels

/// How the host's compute threads treat subnormal ("denormal") numbers: magnitudes below
/// 1.18e-38 in float32 and 2.2e-308 in float64.
///
/// `flush`, the host's default, makes arithmetic read subnormal inputs as zero and write zero
/// for subnormal results (x86 FTZ and DAZ, AArch64 FZ), as TensorFlow's CPU kernels do. Long
/// runs fill Adam's and momentum's averages with them: a weight whose gradient stays zero (an
/// input pixel that is always blank, a dead unit) has its first moment decay by β1 each step
/// through the subnormal range, and this CPU takes a slow path for every operation on one. After
/// 3,000 digits epochs 15 % of Adam's first moments were subnormal and the update took 2.4 times
/// as long. Only values that small change (to zero); larger ones keep their bits. `keep` is
/// IEEE gradual underflow, as NumPy and PyTorch run by default.
public enum Denormals: String, Sendable, CaseIterable {
    case flush, keep

    /// The mode of the compute threads: set once at start-up, before the worker threads start.
    nonisolated(unsafe) public private(set) static var current: Denormals = .keep

    /// Sets the mode for the calling thread and the worker threads (running or started later).
    public static func set(_ mode: Denormals) {
        current = mode
        applyToCallingThread()
        BLASThreads.applyDenormalsOnWorkers()
    }

    /// Gives the calling thread the current mode (each thread has its own floating-point state).
    static func applyToCallingThread() {
        gw_set_flush_denormals(current == .flush ? 1 : 0)
    }
}
