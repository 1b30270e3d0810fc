// swift-tools-version:6.0
//
// Gradwell: a toolkit for improving deep neural networks, driven by JSON-RPC over stdin/stdout.
//
// Layout (see plugins-spec/PLUGINS.md for why): this package holds the library — protocols,
// builtins and the host — and ships it as one dynamic library product, `Gradwell`. The `gradwell`
// executable lives in the package under `cli/`, which depends on that product, so the executable
// and any run-time plugin share one copy of the protocol module (casts and the registry work
// across the plugin boundary). A user's own host (compiled-in plugins) depends on the same product.
import Foundation
import PackageDescription

// LIBXSMM (Debian libxsmm-dev, x86-64) JIT-compiles the small float32 products of a training
// step; where it is not installed the build uses OpenBLAS for every product.
let hasLIBXSMM = FileManager.default.fileExists(atPath: "/usr/include/libxsmm.h")

let package = Package(
    name: "Gradwell",
    products: [
        .library(name: "Gradwell", type: .dynamic,
                 targets: ["GradwellProtocols", "GradwellBuiltins", "GradwellReport", "GradwellHost"]),
    ],
    targets: [
        .systemLibrary(name: "CJansson", path: "Sources/CJansson", pkgConfig: "jansson",
                       providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // The element-wise loops of the training step (bias + ReLU, its derivative, Adam, column
        // sums) in C, so they vectorize; bit-identical to the Swift loops they replace.
        .target(name: "CKernels", path: "Sources/CKernels",
                cSettings: hasLIBXSMM ? [.define("GW_HAVE_LIBXSMM")] : [],
                linkerSettings: hasLIBXSMM ? [.linkedLibrary("xsmm"), .linkedLibrary("openblas"), .linkedLibrary("dl"),
                                              .linkedLibrary("rt"), .linkedLibrary("pthread")] : []),
        .target(name: "GradwellProtocols", dependencies: ["CBLAS", "CKernels"], path: "Sources/Protocols"),
        .target(name: "GradwellBuiltins", dependencies: ["GradwellProtocols", "CBLAS", "CKernels"],
                path: "Sources/Builtins"),
        // `gradwell report`'s HTML and SVG, from a run log the host has parsed: Foundation only.
        .target(name: "GradwellReport", path: "Sources/Report"),
        .target(name: "GradwellHost", dependencies: ["GradwellProtocols", "GradwellBuiltins", "GradwellReport", "CJansson", "CKernels"],
                path: "Sources/Host"),
        // A header-only module declaring libFuzzer's driver, for the fuzz target.
        .systemLibrary(name: "CFuzzer", path: "Sources/CFuzzer"),
        .executableTarget(name: "gradwell-fuzz", dependencies: ["GradwellHost", "CFuzzer"], path: "Sources/Fuzz"),
        .testTarget(name: "GradwellTests",
                    dependencies: ["GradwellProtocols", "GradwellBuiltins", "GradwellHost"],
                    path: "Tests/GradwellTests",
                    exclude: ["Data"]),
    ],
    swiftLanguageModes: [.v6]
)
