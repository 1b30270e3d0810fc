import GradwellProtocols
import Synchronization

/// A named set of examples held by the host: features as float64 rows and targets beside them.
/// Features read from a float32 file are kept as float32 (half the memory, and a float32 model
/// trains on that very array, not a converted copy); reading `features` then widens them.
public struct Dataset: Sendable {
    public var name: String
    /// Row-major, `count` rows of `featureCount`.
    public var features: [Double] {
        get { compactFeatures.map { $0.map(Double.init) } ?? wideFeatures }
        set {
            wideFeatures = newValue
            compactFeatures = nil
            tensors = TensorCache()
        }
    }
    private var wideFeatures: [Double]
    /// The features as read from a float32 file, when they were (then `wideFeatures` is empty).
    private var compactFeatures: [Float]?
    /// Whether the features are held as float32.
    public var holdsFloat32: Bool { compactFeatures != nil }
    public var featureCount: Int
    /// Row-major, `count` rows of `targetColumns`: class indices (one column) or values.
    public var targets: [Double] { didSet { tensors = TensorCache() } }
    /// The features and targets as tensors of each element type asked for, made once: every
    /// `train` and `evaluate` on this set reuses them. Shared by copies of this value until one
    /// of them changes its features or targets.
    private var tensors = TensorCache()
    public var targetColumns: Int
    /// The number of classes when every target is a non-negative integer, else nil.
    public var classCount: Int?
    /// The statistics this set was normalized with, if it was (`dataset/normalize`).
    public var normalization: Normalization?
    /// The statistics of this set's original features, computed once when first asked for.
    public var originalStatistics: Normalization?
    /// The features before normalization, so normalizing again starts from them.
    public var originalFeatures: [Double]?

    public init(name: String, features: [Double], featureCount: Int, targets: [Double], targetColumns: Int) {
        self.name = name
        self.wideFeatures = features
        self.featureCount = featureCount
        self.targets = targets
        self.targetColumns = targetColumns
        self.classCount = Dataset.classCount(of: targets, columns: targetColumns)
    }

    /// A set whose features are float32 values (from a float32 file), kept as they are.
    public init(name: String, float32Features: [Float], featureCount: Int, targets: [Double], targetColumns: Int) {
        self.init(name: name, features: [], featureCount: featureCount, targets: targets, targetColumns: targetColumns)
        compactFeatures = float32Features
    }

    public init(name: String, generated: GeneratedData) {
        self.init(name: name, features: generated.features, featureCount: generated.featureCount,
                  targets: generated.labels.map(Double.init), targetColumns: 1)
        self.classCount = generated.classCount
    }

    public var count: Int {
        featureCount == 0 ? targets.count / max(targetColumns, 1) : (compactFeatures?.count ?? wideFeatures.count) / featureCount
    }

    /// Classes are counted when targets are one column of non-negative integers.
    static func classCount(of targets: [Double], columns: Int) -> Int? {
        guard columns == 1, !targets.isEmpty else { return nil }
        var largest = 0.0
        for t in targets {
            guard t >= 0, t.rounded() == t, t < 1e9 else { return nil }
            largest = max(largest, t)
        }
        return Int(largest) + 1
    }

    /// The first (row, column) holding NaN or infinity, if any.
    public func firstNonFinite() -> (row: Int, column: Int, inTargets: Bool)? {
        if let compactFeatures {
            for (i, v) in compactFeatures.enumerated() where !v.isFinite { return (i / max(featureCount, 1), i % max(featureCount, 1), false) }
        } else {
            for (i, v) in wideFeatures.enumerated() where !v.isFinite { return (i / max(featureCount, 1), i % max(featureCount, 1), false) }
        }
        for (i, v) in targets.enumerated() where !v.isFinite { return (i / max(targetColumns, 1), i % max(targetColumns, 1), true) }
        return nil
    }

    /// Features as a tensor of `T` (cached).
    public func featureTensor<T: Scalar>(_ type: T.Type = T.self) -> Tensor<T> {
        tensors.tensor(T.self, targets: false) {
            if let compactFeatures {
                // float32 features for a float32 model: the same array, shared, not copied.
                if T.self == Float.self { return Tensor(rows: count, columns: featureCount, storage: unsafeBitCast(compactFeatures, to: [T].self)) }
                return Tensor(rows: count, columns: featureCount, storage: compactFeatures.map { T(Double($0)) })
            }
            return wideFeatures.withUnsafeBufferPointer { Tensor(rows: count, columns: featureCount, converting: $0) }
        }
    }

    /// Targets as a tensor of `T` (cached).
    public func targetTensor<T: Scalar>(_ type: T.Type = T.self) -> Tensor<T> {
        tensors.tensor(T.self, targets: true) {
            targets.withUnsafeBufferPointer { Tensor(rows: count, columns: targetColumns, converting: $0) }
        }
    }
}

/// Per-feature mean and standard deviation used to normalize inputs.
public struct Normalization: Sendable, Equatable, Codable {
    public var mean: [Double]
    public var std: [Double]

    public init(mean: [Double], std: [Double]) {
        self.mean = mean
        self.std = std
    }

    /// The statistics of `features` (row-major, `columns` wide); a constant feature gets std 1
    /// so that it maps to zero instead of dividing by zero.
    public static func of(_ features: [Double], columns: Int) -> Normalization {
        let plain = moments(features, columns: columns)
        if plain.mean.allSatisfy(\.isFinite) && plain.std.allSatisfy(\.isFinite) { return plain }
        // Finite values near ±1.8e308 overflow the sums: the same over each column divided by
        // its largest magnitude, scaled back.
        var scale = [Double](repeating: 0, count: columns)
        for (i, x) in features.enumerated() where abs(x) > scale[i % columns] { scale[i % columns] = abs(x) }
        scale = scale.map { $0 > 0 && $0.isFinite ? $0 : 1 }
        var scaled = features
        for i in scaled.indices { scaled[i] /= scale[i % columns] }
        let unit = moments(scaled, columns: columns)
        return Normalization(mean: zip(unit.mean, scale).map { $0 * $1 }, std: zip(unit.std, scale).map { $0 * $1 })
    }

    private static func moments(_ features: [Double], columns: Int) -> Normalization {
        let rows = columns == 0 ? 0 : features.count / columns
        var mean = [Double](repeating: 0, count: columns)
        var variance = [Double](repeating: 0, count: columns)
        for r in 0..<rows { for c in 0..<columns { mean[c] += features[r * columns + c] } }
        for c in 0..<columns { mean[c] /= Double(max(rows, 1)) }
        for r in 0..<rows { for c in 0..<columns { let d = features[r * columns + c] - mean[c]; variance[c] += d * d } }
        let std = variance.map { v -> Double in
            let s = (v / Double(max(rows, 1))).squareRoot()
            return s > 0 ? s : 1
        }
        return Normalization(mean: mean, std: std)
    }

    /// Applies (x - mean) / std to row-major features in place.
    public func apply(to features: inout [Double], columns: Int) {
        guard columns == mean.count, columns > 0 else { return }
        for i in features.indices {
            let c = i % columns, x = features[i]
            features[i] = (x - mean[c]) / std[c]
            // x − mean can overflow where both are near ±1.8e308; divided first, it cannot.
            if !features[i].isFinite && x.isFinite { features[i] = x / std[c] - mean[c] / std[c] }
        }
    }
}

/// A data set's tensors by element type; a class so copies of a `Dataset` share it.
final class TensorCache: Sendable {
    private let stored = Mutex<[String: any Sendable]>([:])

    func tensor<T: Scalar>(_ type: T.Type, targets: Bool, make: () -> Tensor<T>) -> Tensor<T> {
        let key = "\(T.dtype.rawValue)-\(targets)"
        if let tensor = stored.withLock({ $0[key] }) as? Tensor<T> { return tensor }
        let tensor = make()
        stored.withLock { $0[key] = tensor }
        return tensor
    }
}
