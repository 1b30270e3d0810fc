import GradwellProtocols

/// A 2-feature model's predictions over a grid of its input plane, as the course's
/// decision-boundary plots draw them: `values[row][column]` at (xs[column], ys[row]) is
/// P(class 1) for one sigmoid output, the predicted class for softmax, the first output otherwise.
public struct DecisionBoundary {
    /// The rectangle of the input plane the grid covers, in raw (unnormalized) feature units.
    public struct Plane: Sendable {
        public var xMin = -1.0, xMax = 1.0, yMin = -1.0, yMax = 1.0

        public init() {}

        /// The span of `data`'s two features, padded by 10% (at least 1e-3) on every side. Data
        /// sets hold normalized features when normalized; the plane is in raw units.
        public init(around data: Dataset) {
            let raw = data.originalFeatures ?? data.features
            let xs = stride(from: 0, to: raw.count, by: 2).map { raw[$0] }, ys = stride(from: 1, to: raw.count, by: 2).map { raw[$0] }
            let padX = max((xs.max()! - xs.min()!) * 0.1, 1e-3), padY = max((ys.max()! - ys.min()!) * 0.1, 1e-3)
            (xMin, xMax, yMin, yMax) = (xs.min()! - padX, xs.max()! + padX, ys.min()! - padY, ys.max()! + padY)
        }

        /// What is wrong with the bounds, naming the bound to change: nil when a grid can step through them.
        public var problem: (field: String, expected: String)? {
            guard xMin < xMax, yMin < yMax else { return ("x_max", "x_min < x_max and y_min < y_max") }
            guard (xMax - xMin).isFinite, (yMax - yMin).isFinite else {
                return ((xMax - xMin).isFinite ? "y_max" : "x_max", "a plane whose widths x_max − x_min and y_max − y_min are finite")
            }
            return nil
        }
    }

    public enum Kind: String, Sendable { case `class`, probability, output }

    public var xs: [Double]
    public var ys: [Double]
    public var values: [[Double]]
    public var kind: Kind
    /// How many classes `values` can take (the model's outputs for softmax, else 2).
    public var classes: Int

    /// The model's predictions at resolution × resolution points of `plane` (whose `problem` is nil).
    public init(model: any TrainableModel, plane: Plane, resolution: Int) {
        xs = (0..<resolution).map { plane.xMin + (plane.xMax - plane.xMin) * Double($0) / Double(resolution - 1) }
        ys = (0..<resolution).map { plane.yMin + (plane.yMax - plane.yMin) * Double($0) / Double(resolution - 1) }
        var features: [Double] = []
        features.reserveCapacity(2 * resolution * resolution)
        for y in ys { for x in xs { features.append(x); features.append(y) } }
        let prediction = model.predict(features: features, rows: resolution * resolution)
        let softmax = model.loss.fusedActivation == .softmax, labels = softmax ? prediction.labels : nil
        values = (0..<resolution).map { row in
            (0..<resolution).map { column in
                let index = row * resolution + column
                return labels?[index] ?? prediction.values[index][0]
            }
        }
        kind = softmax ? .class : model.loss.fusedActivation == .sigmoid ? .probability : .output
        classes = softmax ? model.outputUnits : 2
    }
}
