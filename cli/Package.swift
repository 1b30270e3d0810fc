// swift-tools-version:6.0
//
// The `gradwell` host executable. It is a package of its own so that it links the `Gradwell`
// dynamic library product (an executable cannot depend on a product of its own package), and a
// plugin loaded with --plugin then shares that one copy of the protocol module with the host.
import PackageDescription

let package = Package(
    name: "GradwellCLI",
    dependencies: [.package(name: "Gradwell", path: "..")],
    targets: [
        .executableTarget(name: "gradwell",
                          dependencies: [.product(name: "Gradwell", package: "Gradwell")],
                          path: "Sources/gradwell"),
    ],
    swiftLanguageModes: [.v6]
)
