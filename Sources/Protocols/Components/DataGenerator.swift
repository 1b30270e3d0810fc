/// Generated examples: row-major features with integer class labels.
public struct GeneratedData: Sendable, Equatable {
    /// Row-major, `labels.count` rows of `featureCount` values.
    public var features: [Double]
    public var featureCount: Int
    public var labels: [Int]
    public var classCount: Int

    public init(features: [Double], featureCount: Int, labels: [Int], classCount: Int) {
        self.features = features
        self.featureCount = featureCount
        self.labels = labels
        self.classCount = classCount
    }

    /// The number of examples.
    public var count: Int { labels.count }
}

/// A synthetic data set family (circles, moons, ...), registered like any component.
public protocol DataGenerator: Component {
    /// Draws the data set from `random` (NumPy's stream reproduces scikit-learn's sets).
    func generate(random: inout RandomStream) -> GeneratedData
    /// The number of values the request asks for, checked against the host's bound first.
    var requestedElements: Double { get }
}
