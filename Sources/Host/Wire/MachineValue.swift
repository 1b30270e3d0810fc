import GradwellProtocols

extension Machine {
    /// The `machine` member of `initialize` and of a run log's header.
    var value: ConfigValue {
        .object([
            "cpu": .string(cpu), "vendor": .string(vendor), "isa": .string(isa),
            "blas": .object(["library": .string(blasLibrary), "version": .string(blasVersion), "core": .string(blasCore),
                             "core_detected": .string(blasCoreDetected), "core_source": .string(blasCoreSource)]),
            "kernels": .string(kernels), "small_products": .string(smallProducts),
        ])
    }

    /// One line for `gradwell --version` and messages.
    var summary: String {
        let chosen = blasCoreSource == "gradwell" ? ", chosen by gradwell over OpenBLAS's \(blasCoreDetected)"
            : blasCoreSource == "user" ? ", set by OPENBLAS_CORETYPE" : ""
        return "\(cpu.isEmpty ? "unknown CPU" : cpu) (\(isa)); \(blasLibrary) \(blasVersion) core \(blasCore)\(chosen); element-wise kernels \(kernels); small float32 products \(smallProducts)"
    }

    /// The compute identity recorded in a run log's header (`machine`), for comparison.
    static func recordedIdentity(_ machine: ConfigValue?) -> [(name: String, value: String)] {
        guard let machine else { return [] }
        let pairs: [(String, String?)] = [("isa", machine["isa"]?.stringValue), ("blas_version", machine["blas"]?["version"]?.stringValue),
                                          ("blas_core", machine["blas"]?["core"]?.stringValue), ("kernels", machine["kernels"]?.stringValue),
                                          ("small_products", machine["small_products"]?.stringValue)]
        return pairs.compactMap { name, value in value.map { (name, $0) } }
    }
}
