// swift-tools-version:6.0
// A host with compiled-in components: the user's own executable, calling Gradwell's host with
// the builtin registry extended. Nothing of Gradwell's code is copied.
import PackageDescription

let package = Package(
    name: "CustomHost",
    dependencies: [.package(name: "Gradwell", path: "../../..")],
    targets: [
        .executableTarget(name: "CustomHost", dependencies: [.product(name: "Gradwell", package: "Gradwell")]),
    ],
    swiftLanguageModes: [.v6]
)
