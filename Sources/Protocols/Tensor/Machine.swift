import CBLAS
import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// What this host computes on: the CPU, its instruction-set level, the BLAS library and the
/// kernel (OpenBLAS "core") it runs, and the copy of the element-wise kernels the loader chose.
/// A result's last bits depend on the BLAS core, so run logs record it and replays compare it.
public struct Machine: Sendable, Equatable {
    /// The CPU's brand string ("AMD EPYC 9R14", "Intel(R) Xeon(R) Platinum 8488C").
    public var cpu: String
    /// "GenuineIntel", "AuthenticAMD", or "" off x86.
    public var vendor: String
    /// The widest level this CPU and OS run: "amx", "avx512", "avx2", "avx" or "baseline".
    public var isa: String
    /// "OpenBLAS".
    public var blasLibrary: String
    /// OpenBLAS's version ("0.3.21").
    public var blasVersion: String
    /// The kernel family OpenBLAS runs ("Haswell", "SkylakeX", "Cooperlake", ...).
    public var blasCore: String
    /// The core OpenBLAS chose by itself, before Gradwell or the user overrode it.
    public var blasCoreDetected: String
    /// Who chose `blasCore`: "openblas" (its own detection), "gradwell" (detection named an
    /// older core than the CPU runs, so the host restarted itself with OPENBLAS_CORETYPE), or
    /// "user" (OPENBLAS_CORETYPE was set by the user and wins).
    public var blasCoreSource: String
    /// The copy of the element-wise kernels in use: "avx512", "avx2" or "baseline".
    public var kernels: String
    /// What small float32 products run on: "libxsmm 1.17.0" (JIT kernels) or "openblas".
    public var smallProducts: String

    /// This process's machine, read once.
    public static let current: Machine = {
        var features = gw_cpu_features()
        gw_cpu_features(&features)
        let vendor = withUnsafeBytes(of: features.vendor) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let brand = withUnsafeBytes(of: features.brand) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let config = openblas_get_config().map { String(cString: $0) } ?? ""
        let words = config.split(separator: " ")
        let version = words.count > 1 && words[0] == "OpenBLAS" ? String(words[1]) : "unknown"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        let environment = BLASCore.Environment.read()
        return Machine(cpu: brand.trimmingSpaces, vendor: vendor, isa: BLASCore.isa(of: features).rawValue,
                       blasLibrary: "OpenBLAS", blasVersion: version, blasCore: core,
                       blasCoreDetected: environment.detectedBefore ?? core,
                       blasCoreSource: environment.source, kernels: String(cString: gw_elementwise_kernels()),
                       smallProducts: String(cString: gw_small_gemm_library()))
    }()

    /// The members a replay compares: those that can change a result's bits.
    public var computeIdentity: [(name: String, value: String)] {
        [("isa", isa), ("blas_version", blasVersion), ("blas_core", blasCore), ("kernels", kernels), ("small_products", smallProducts)]
    }
}

/// Choosing OpenBLAS's kernels. A DYNAMIC_ARCH OpenBLAS picks a core from CPUID when it loads;
/// releases older than the CPU pick a generic one (Debian 12's 0.3.21 runs `Prescott`, SSE3, on
/// Sapphire Rapids: 18 GFLOP/s where its `Cooperlake` core does 145). OPENBLAS_CORETYPE overrides
/// the choice but is read only when the library loads, so the host compares the two at start-up
/// and, when OpenBLAS chose a core below what the CPU runs, restarts itself once with the
/// variable set (`ensureBest`). A user's own OPENBLAS_CORETYPE is left as it is.
public enum BLASCore {
    /// Instruction-set levels, in order.
    public enum Level: String, Comparable, Sendable {
        case baseline, avx, avx2, avx512, amx
        var rank: Int { [.baseline, .avx, .avx2, .avx512, .amx].firstIndex(of: self)! }
        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
    }

    static func isa(of features: gw_cpu_features) -> Level {
        if features.amx != 0 && features.avx512 != 0 { return .amx }
        if features.avx512 != 0 { return .avx512 }
        if features.avx2 != 0 { return .avx2 }
        if features.avx != 0 { return .avx }
        return .baseline
    }

    /// The instruction-set level an OpenBLAS core's kernels use (unknown names count as baseline).
    public static func level(ofCore name: String) -> Level {
        switch name.lowercased() {
        case "sapphirerapids", "cooperlake", "skylakex": return .avx512
        case "haswell", "zen", "excavator": return .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller": return .avx
        default: return .baseline
        }
    }

    /// The best core OpenBLAS 0.3.x has for this CPU, or nil when its own choice cannot be beaten.
    static func best(for features: gw_cpu_features) -> String? {
        if features.avx512 != 0 { return features.avx512_bf16 != 0 ? "Cooperlake" : "SkylakeX" }
        if features.avx2 != 0 { return "Haswell" }
        if features.avx != 0 { return "Sandybridge" }
        return nil
    }

    /// The variables the restart leaves behind, and who chose the core.
    struct Environment {
        /// Set by the restart: the core OpenBLAS had chosen by itself. Children inherit it.
        static let detectedKey = "GRADWELL_OPENBLAS_DETECTED"
        /// For tests: act as if OpenBLAS had chosen this core by itself.
        static let pretendKey = "GRADWELL_OPENBLAS_PRETEND"
        var detectedBefore: String?
        var userCore: String?

        static func read() -> Environment {
            func variable(_ key: String) -> String? {
                getenv(key).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            }
            return Environment(detectedBefore: variable(detectedKey), userCore: variable("OPENBLAS_CORETYPE"))
        }

        var source: String { detectedBefore != nil ? "gradwell" : (userCore != nil ? "user" : "openblas") }
    }

    /// Restarts this process once with OPENBLAS_CORETYPE naming the best core, when OpenBLAS chose
    /// one of a lower instruction-set level than the CPU runs and the user did not choose. Call it
    /// first thing in `main`, before any thread starts. Returns (does nothing) when no restart is
    /// needed or `execv` fails (the host then runs on OpenBLAS's choice, which `initialize` shows).
    public static func ensureBest(arguments: [String]) {
        let environment = Environment.read()
        guard environment.userCore == nil, environment.detectedBefore == nil else { return }
        var features = gw_cpu_features()
        gw_cpu_features(&features)
        let detected = getenv(Environment.pretendKey).map { String(cString: $0) }
            ?? openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        guard let best = best(for: features), level(ofCore: detected) < level(ofCore: best) else { return }
        setenv("OPENBLAS_CORETYPE", best, 1)
        setenv(Environment.detectedKey, detected, 1)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // Could not restart: carry on with OpenBLAS's own choice, and say so truthfully.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(Environment.detectedKey)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var characters = Substring(self)
        while characters.first == " " { characters = characters.dropFirst() }
        while characters.last == " " { characters = characters.dropLast() }
        return String(characters)
    }
}
