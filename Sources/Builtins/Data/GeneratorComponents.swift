import GradwellProtocols

// The data set families of `dataset/generate`, registered like any component. Each wraps a
// function of `Generators`; with `"rng": "numpy"` they replay scikit-learn / the course.

private let countSpec = ParameterSpec.integer("n", default: 300, min: 1, "Number of examples.")

/// Two concentric circles (scikit-learn's `make_circles`).
public struct CirclesGenerator: DataGenerator {
    public static let name = "circles"
    public static let summary = "Two concentric circles, as scikit-learn's make_circles (the course's initialization set)."
    public static let parameters: [ParameterSpec] = [
        countSpec,
        .number("noise", default: 0.05, min: 0, "Standard deviation of Gaussian noise added to each coordinate."),
        .number("factor", default: 0.8, min: 0, max: 1, exclusiveMax: true, "Inner radius over outer radius."),
    ]
    let count: Int, noise: Double, factor: Double
    public init(config: ResolvedConfig) { count = config.int("n"); noise = config.double("noise"); factor = config.double("factor") }
    public var requestedElements: Double { Double(count) * 3 }
    public func generate(random: inout RandomStream) -> GeneratedData {
        Generators.circles(count: count, noise: noise, factor: factor, rng: &random)
    }
}

/// Two interleaving half circles (scikit-learn's `make_moons`).
public struct MoonsGenerator: DataGenerator {
    public static let name = "moons"
    public static let summary = "Two interleaving half circles, as scikit-learn's make_moons (the course's optimization set)."
    public static let parameters: [ParameterSpec] = [
        countSpec,
        .number("noise", default: 0.2, min: 0, "Standard deviation of Gaussian noise added to each coordinate."),
    ]
    let count: Int, noise: Double
    public init(config: ResolvedConfig) { count = config.int("n"); noise = config.double("noise") }
    public var requestedElements: Double { Double(count) * 3 }
    public func generate(random: inout RandomStream) -> GeneratedData {
        Generators.moons(count: count, noise: noise, rng: &random)
    }
}

/// Gaussian blobs around random centers (scikit-learn's `make_blobs`).
public struct BlobsGenerator: DataGenerator {
    public static let name = "blobs"
    public static let summary = "Gaussian blobs around centers drawn in center_box, as scikit-learn's make_blobs."
    public static let parameters: [ParameterSpec] = [
        countSpec,
        .integer("centers", default: 3, min: 1, max: 1000, "Number of blobs (classes)."),
        .integer("features", default: 2, min: 1, max: 100_000, "Number of features."),
        .number("cluster_std", default: 1.0, min: 0, "Standard deviation of each blob."),
        .number("center_low", default: -10, "Lower bound of the box centers are drawn in."),
        .number("center_high", default: 10, "Upper bound of the box centers are drawn in."),
    ]
    let count: Int, centers: Int, features: Int, clusterStd: Double, low: Double, high: Double
    public init(config: ResolvedConfig) throws {
        count = config.int("n"); centers = config.int("centers"); features = config.int("features")
        clusterStd = config.double("cluster_std"); low = config.double("center_low"); high = config.double("center_high")
        guard low < high else {
            throw ConfigProblem(field: "center_high", expected: "a number > center_low (\(low))", got: "\(high)")
        }
    }
    public var requestedElements: Double { max(Double(count) * Double(features + 1), Double(centers) * Double(features)) }
    public func generate(random: inout RandomStream) -> GeneratedData {
        Generators.blobs(count: count, centers: centers, features: features, clusterStd: clusterStd,
                         centerBox: (low, high), rng: &random)
    }
}

/// Interleaved spiral arms, one class each (the CS231n spiral).
public struct SpiralGenerator: DataGenerator {
    public static let name = "spiral"
    public static let summary = "Spiral arms, one class per arm (CS231n); not linearly separable."
    public static let parameters: [ParameterSpec] = [
        countSpec,
        .integer("classes", default: 3, min: 1, max: 1000, "Number of arms (classes)."),
        .number("noise", default: 0.2, min: 0, "Standard deviation of the angle noise."),
    ]
    let count: Int, classes: Int, noise: Double
    public init(config: ResolvedConfig) { count = config.int("n"); classes = config.int("classes"); noise = config.double("noise") }
    public var requestedElements: Double { Double(count) * 3 }
    public func generate(random: inout RandomStream) -> GeneratedData {
        Generators.spiral(count: count, classes: classes, noise: noise, rng: &random)
    }
}

/// The course's planar "flower" set (`load_planar_dataset`).
public struct FlowerGenerator: DataGenerator {
    public static let name = "flower"
    public static let summary = "The course's planar flower: two classes on the petals of r = 4 sin(4t)."
    public static let parameters: [ParameterSpec] = [
        .integer("n", default: 400, min: 1, "Number of examples."),
        .number("noise", default: 0.2, min: 0, "Standard deviation of the angle and radius noise."),
    ]
    let count: Int, noise: Double
    public init(config: ResolvedConfig) { count = config.int("n"); noise = config.double("noise") }
    public var requestedElements: Double { Double(count) * 3 }
    public func generate(random: inout RandomStream) -> GeneratedData {
        Generators.flower(count: count, noise: noise, rng: &random)
    }
}
