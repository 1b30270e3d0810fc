import GradwellProtocols

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif canImport(ucrt)
import ucrt
#endif

// `GeneratedData` (row-major features, labels, classCount) lives in GradwellProtocols (Components/DataGenerator.swift).

/// Toy data sets replaying scikit-learn / the course's NumPy code step by step, so a `NumpyRandomState` gives their exact points.
// Nothing is validated here (the host does that): negative counts act as 0, and 0 or 1 rows never trap.
public enum Generators {

    // MARK: - scikit-learn

    /// `make_circles(count, noise=noise, factor=factor)` with shuffle, using `rng` as the global `RandomState`.
    public static func circles(
        count: Int, noise: Double, factor: Double = 0.8, rng: inout some RandomSource
    ) -> GeneratedData {
        let n = max(count, 0)
        let nOut = n / 2
        let nIn = n - nOut
        // endpoint=False so the first point is not repeated as the last.
        let linOut = linspace(0, 2 * Double.pi, count: nOut, endpoint: false)
        let linIn = linspace(0, 2 * Double.pi, count: nIn, endpoint: false)
        var features = [Double]()
        features.reserveCapacity(2 * n)
        for t in linOut { features.append(cos(t)); features.append(sin(t)) }
        for t in linIn { features.append(cos(t) * factor); features.append(sin(t) * factor) }
        let labels = [Int](repeating: 0, count: nOut) + [Int](repeating: 1, count: nIn)
        var data = GeneratedData(features: features, featureCount: 2, labels: labels, classCount: 2)
        shuffleRows(&data, rng: &rng)
        addNoise(&data, scale: noise, rng: &rng)
        return data
    }

    /// `make_moons(count, noise=noise)` with shuffle, using `rng` as the global `RandomState`.
    public static func moons(count: Int, noise: Double, rng: inout some RandomSource) -> GeneratedData {
        let n = max(count, 0)
        let nOut = n / 2
        let nIn = n - nOut
        let linOut = linspace(0, Double.pi, count: nOut, endpoint: true)
        let linIn = linspace(0, Double.pi, count: nIn, endpoint: true)
        var features = [Double]()
        features.reserveCapacity(2 * n)
        for t in linOut { features.append(cos(t)); features.append(sin(t)) }
        // sklearn writes `1 - sin(t) - 0.5`; evaluated left to right, which is not always `0.5 - sin(t)`.
        for t in linIn { features.append(1 - cos(t)); features.append(1 - sin(t) - 0.5) }
        let labels = [Int](repeating: 0, count: nOut) + [Int](repeating: 1, count: nIn)
        var data = GeneratedData(features: features, featureCount: 2, labels: labels, classCount: 2)
        shuffleRows(&data, rng: &rng)
        addNoise(&data, scale: noise, rng: &rng)
        return data
    }

    /// `make_blobs(count, centers=centers, n_features=features, cluster_std=clusterStd, center_box=centerBox)` with shuffle.
    // Centers are `uniform(low, high, (centers, features))`; each center gets `count / centers` rows, the first `count % centers` one more.
    public static func blobs(
        count: Int, centers: Int = 3, features: Int = 2, clusterStd: Double = 1.0,
        centerBox: (Double, Double) = (-10.0, 10.0), rng: inout some RandomSource
    ) -> GeneratedData {
        let n = max(count, 0)
        let k = max(centers, 0)
        let d = max(features, 0)
        guard k > 0 else {
            // sklearn would divide by zero; an empty set is the harmless answer.
            return GeneratedData(features: [], featureCount: d, labels: [], classCount: 0)
        }
        let low = centerBox.0
        let range = centerBox.1 - centerBox.0
        var centerValues = [Double]()
        centerValues.reserveCapacity(k * d)
        for _ in 0..<(k * d) { centerValues.append(low + range * rng.nextDouble()) }

        var featureValues = [Double]()
        featureValues.reserveCapacity(n * d)
        var labels = [Int]()
        labels.reserveCapacity(n)
        for c in 0..<k {
            let rows = n / k + (c < n % k ? 1 : 0)
            for _ in 0..<rows {
                for f in 0..<d {
                    featureValues.append(centerValues[c * d + f] + clusterStd * rng.nextNormal())
                }
                labels.append(c)
            }
        }
        var data = GeneratedData(features: featureValues, featureCount: d, labels: labels, classCount: k)
        shuffleRows(&data, rng: &rng)
        return data
    }

    // MARK: - Course data sets

    /// CS231n spiral (radius `linspace(0, 1, N)`, angle `linspace(4j, 4j+4, N) + randn(N) * noise`); `count` is the total, remainder to the first classes.
    // Each class gets `count / classes` points and the first `count % classes` classes one more; rows stay grouped by class, as in the original.
    public static func spiral(
        count: Int, classes: Int = 3, noise: Double = 0.2, rng: inout some RandomSource
    ) -> GeneratedData {
        let n = max(count, 0)
        let k = max(classes, 0)
        guard k > 0 else { return GeneratedData(features: [], featureCount: 2, labels: [], classCount: 0) }
        var features = [Double]()
        features.reserveCapacity(2 * n)
        var labels = [Int]()
        labels.reserveCapacity(n)
        for j in 0..<k {
            let rows = n / k + (j < n % k ? 1 : 0)
            let radius = linspace(0, 1, count: rows, endpoint: true)
            let base = linspace(Double(j * 4), Double((j + 1) * 4), count: rows, endpoint: true)
            let jitter = normals(rows, rng: &rng)
            for i in 0..<rows {
                let t = base[i] + jitter[i] * noise
                features.append(radius[i] * sin(t))
                features.append(radius[i] * cos(t))
                labels.append(j)
            }
        }
        return GeneratedData(features: features, featureCount: 2, labels: labels, classCount: k)
    }

    /// The course's `load_planar_dataset` flower (a = 4, `noise` on angle and radius), exact for even `count`.
    // Class 0 then class 1, `count / 2` each; for odd `count` the extra point goes to class 0 (the course would leave a zero row labelled 0).
    public static func flower(count: Int, noise: Double = 0.2, rng: inout some RandomSource) -> GeneratedData {
        let n = max(count, 0)
        let a = 4.0
        var features = [Double]()
        features.reserveCapacity(2 * n)
        var labels = [Int]()
        labels.reserveCapacity(n)
        for j in 0..<2 {
            let rows = n / 2 + (j < n % 2 ? 1 : 0)
            let base = linspace(Double(j) * 3.12, Double(j + 1) * 3.12, count: rows, endpoint: true)
            let angleNoise = normals(rows, rng: &rng)
            var t = [Double](repeating: 0, count: rows)
            for i in 0..<rows { t[i] = base[i] + angleNoise[i] * noise }
            let radiusNoise = normals(rows, rng: &rng)
            for i in 0..<rows {
                let r = a * sin(4 * t[i]) + radiusNoise[i] * noise
                features.append(r * sin(t[i]))
                features.append(r * cos(t[i]))
                labels.append(j)
            }
        }
        return GeneratedData(features: features, featureCount: 2, labels: labels, classCount: 2)
    }

    // MARK: - NumPy building blocks

    /// `np.linspace(start, stop, count, endpoint)` with NumPy's exact arithmetic: `i * (delta / div) + start`, last point forced to `stop`.
    static func linspace(_ start: Double, _ stop: Double, count: Int, endpoint: Bool) -> [Double] {
        guard count > 0 else { return [] }
        let div = endpoint ? count - 1 : count
        let delta = stop - start
        var y = (0..<count).map { Double($0) }
        if div > 0 {
            let step = delta / Double(div)
            if step == 0 {
                // NumPy's denormal path (gh-5437): divide first, then scale.
                for i in y.indices { y[i] = y[i] / Double(div) * delta }
            } else {
                for i in y.indices { y[i] *= step }
            }
        } else {
            // One point with endpoint: NumPy multiplies by delta (step undefined).
            for i in y.indices { y[i] *= delta }
        }
        for i in y.indices { y[i] += start }
        if endpoint && count > 1 { y[count - 1] = stop }
        return y
    }

    /// `randn(count)` as an array, drawn before use so the cached gaussian carries over exactly as in NumPy.
    static func normals(_ count: Int, rng: inout some RandomSource) -> [Double] {
        var values = [Double]()
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(rng.nextNormal()) }
        return values
    }

    /// sklearn's `util_shuffle` (resample without replacement): legacy `shuffle(arange(n))`, then take rows in that order.
    static func shuffleRows(_ data: inout GeneratedData, rng: inout some RandomSource) {
        let n = data.labels.count
        let d = data.featureCount
        let order = rng.permutation(n)
        var features = [Double]()
        features.reserveCapacity(data.features.count)
        var labels = [Int]()
        labels.reserveCapacity(n)
        for row in order {
            features.append(contentsOf: data.features[(row * d)..<(row * d + d)])
            labels.append(data.labels[row])
        }
        data.features = features
        data.labels = labels
    }

    /// `X += normal(scale=noise, size=X.shape)`: one draw per entry in C order, each `0 + scale * gauss` as NumPy rounds it.
    static func addNoise(_ data: inout GeneratedData, scale: Double, rng: inout some RandomSource) {
        for i in data.features.indices {
            data.features[i] += 0.0 + scale * rng.nextNormal()
        }
    }
}
