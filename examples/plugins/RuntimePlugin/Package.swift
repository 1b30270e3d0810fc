// swift-tools-version:6.0
// A run-time plugin: a dynamic library the host loads with `--plugin`. It depends on the same
// `Gradwell` dynamic product as the host, so both share one copy of the protocol module.
import PackageDescription

let package = Package(
    name: "LionPlugin",
    products: [.library(name: "LionPlugin", type: .dynamic, targets: ["LionPlugin"])],
    dependencies: [.package(name: "Gradwell", path: "../../..")],
    targets: [.target(name: "LionPlugin", dependencies: [.product(name: "Gradwell", package: "Gradwell")])],
    swiftLanguageModes: [.v6]
)
