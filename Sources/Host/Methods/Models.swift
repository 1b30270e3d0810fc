import GradwellBuiltins
import GradwellProtocols

extension Methods {
    /// `model/create`: resolve every layer against the registry, check the size, build.
    static func modelCreate(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["name", "input", "layers", "loss", "dtype", "seed", "rng"])
        let name = try params.name("name")
        let specification = try modelSpecification(params, registry: session.registry, session: session)
        let model = try ModelFactory.build(specification, registry: session.registry)
        session.models[name] = model
        return describe(name: name, model: model, registry: session.registry)
    }

    static func modelSpecification(_ params: Params, registry: Registry, session: Session) throws -> ModelSpecification {
        let inputShape = try Self.inputShape(params)
        guard let layerValues = try params.array("layers") else {
            throw GradwellError.missing(params.field("layers"), expected: "an array of layers")
        }
        guard !layerValues.isEmpty else {
            throw GradwellError.invalid(params.field("layers"), expected: "at least one layer", got: "an empty array")
        }
        let layers = try layerValues.enumerated().map { index, value in
            try registry.resolve(value, kind: .layer, path: "\(params.field("layers"))[\(index)]")
        }
        let loss = try registry.resolve(params.value("loss") ?? "binary_cross_entropy", kind: .loss, path: params.field("loss"))
        let dtype = DType(rawValue: try params.string("dtype", default: "float32", choices: DType.allCases.map(\.rawValue)))!
        let specification = ModelSpecification(inputShape: inputShape, layers: layers, loss: loss, dtype: dtype,
                                               seed: try params.seed(), rng: try params.rng())
        let shapes: [[Int]]
        do {
            shapes = try specification.layerShapes(registry: registry)
        } catch {
            let path = "\(params.field("layers"))[\(error.layer)]"
            throw GradwellError(.invalidParams, "\(path) (\(layers[error.layer].type)) needs \(error.mismatch.expected), got \(error.mismatch.got)",
                                data: [ConfigEntry(key: "path", value: .string(path)),
                                       ConfigEntry(key: "expected", value: .string(error.mismatch.expected)),
                                       ConfigEntry(key: "got", value: .string(error.mismatch.got))])
        }
        for (index, config) in layers.enumerated() {
            try checkRepresentable(config, dtype: dtype, registry: registry, path: "\(params.field("layers"))[\(index)]")
        }
        // Sizes are checked from the definitions before any tensor exists.
        try session.checkElements(inputShape.reduce(1.0) { $0 * Double($1) }, path: params.field("input"), what: "an input row")
        var shape = inputShape
        for (index, config) in layers.enumerated() {
            let definition = registry.layerDefinition(config)
            try session.checkElements(definition.parameterCount(config: config, inputShape: shape),
                                      path: "\(params.field("layers"))[\(index)]", what: "layer \(index)'s parameters")
            shape = shapes[index]
            try session.checkElements(shape.reduce(1.0) { $0 * Double($1) }, path: "\(params.field("layers"))[\(index)]",
                                      what: "layer \(index)'s output row")
        }
        try session.checkElements(specification.parameterCount(registry: registry), path: params.field("layers"),
                                  what: "the model's parameters")
        try session.checkElements(specification.widestRow(registry: registry), path: params.field("layers"),
                                  what: "one row's widest buffer (a layer's output or a convolution's windows)")
        return specification
    }

    /// `input`: a row width, or a shape [channels, length] / [channels, height, width].
    static func inputShape(_ params: Params) throws -> [Int] {
        let expected = "an integer >= 1 (features) or a shape [channels, length] or [channels, height, width] of integers >= 1"
        guard let value = params.value("input") else { throw GradwellError.missing(params.field("input"), expected: expected) }
        if value.intValue != nil { return [try params.int("input", min: 1)] }
        guard let items = value.arrayValue else {
            throw GradwellError.invalid(params.field("input"), expected: expected, got: value.doubleValue.map { "\($0)" } ?? value.typeDescription)
        }
        let sizes = items.compactMap(\.intValue)
        guard sizes.count == items.count, (2...3).contains(sizes.count), sizes.allSatisfy({ $0 >= 1 && $0 <= 1 << 30 }) else {
            throw GradwellError.invalid(params.field("input"), expected: expected, got: "[" + items.map { JSON.encode($0) }.joined(separator: ", ") + "]")
        }
        return sizes
    }

    /// How a model's input is written back: an integer for flat rows, else the shape.
    static func inputValue(_ shape: [Int]) -> ConfigValue {
        shape.count == 1 ? .int(shape[0]) : .array(shape.map { .int($0) })
    }

    static func describe(name: String, model: any TrainableModel, registry: Registry) -> ConfigValue {
        let specification = model.specification
        let shapes = (try? specification.layerShapes(registry: registry)) ?? []
        let description: ConfigValue = .object([
            "name": .string(name),
            "input": inputValue(specification.inputShape),
            "outputs": .int(model.outputUnits),
            "parameters": .int(model.parameterCount),
            "layers": .array(specification.layers.map(\.configValue)),
            "loss": specification.loss.configValue,
            "dtype": .string(specification.dtype.rawValue),
            "seed": .int(Int(specification.seed)),
            "rng": .string(specification.rng.rawValue),
            "epochs_trained": .int(model.epochsTrained),
        ])
        // Shaped models list each layer's output row shape (flat models answer as before).
        guard specification.inputShape.count > 1 else { return description }
        return description.setting("output_shapes", to: .array(shapes.map { .array($0.map { .int($0) }) }))
    }

    /// Checks that `data` fits `model`: feature count, and targets the loss can read.
    static func checkCompatible(_ data: Dataset, _ model: any TrainableModel, path: String) throws {
        guard data.featureCount == model.inputUnits else {
            throw GradwellError(.invalidParams,
                "\(path): data set '\(data.name)' has \(data.featureCount) features per row, the model takes \(model.inputUnits)",
                data: [ConfigEntry(key: "path", value: .string(path)),
                       ConfigEntry(key: "expected", value: .string("\(model.inputUnits) features per row")),
                       ConfigEntry(key: "got", value: .int(data.featureCount))])
        }
        let lossName = type(of: model.loss).name
        let columns = model.targetColumns
        func mismatch(_ expected: String, _ got: String) -> GradwellError {
            GradwellError(.invalidParams, "\(path): data set '\(data.name)' has \(got); \(lossName) on \(model.outputUnits) output(s) needs \(expected)",
                          data: [ConfigEntry(key: "path", value: .string(path)),
                                 ConfigEntry(key: "expected", value: .string(expected)),
                                 ConfigEntry(key: "got", value: .string(got))])
        }
        // One-hot rows where softmax cross-entropy reads class indices.
        if model.loss.fusedActivation == .softmax, columns == 1, data.targetColumns == model.outputUnits, data.targetColumns > 1,
           data.targets.allSatisfy({ $0 == 0 || $0 == 1 }) {
            var error = mismatch("class indices 0..\(model.outputUnits - 1) in one column",
                                 "one-hot rows of \(data.targetColumns) target columns")
            error.message += ": give class indices 0..\(model.outputUnits - 1) (in NumPy, y.argmax(axis=1))"
            throw error
        }
        guard data.targetColumns == columns else {
            throw mismatch("\(columns) target column(s)", "\(data.targetColumns) target column(s)")
        }
        switch model.loss.fusedActivation {
        case .sigmoid?:
            if let bad = data.targets.first(where: { $0 != 0 && $0 != 1 }) {
                var error = mismatch("labels 0 or 1", "a label \(bad)")
                if let classes = data.classCount, classes > 2, columns == 1 {
                    error.message += "; it has \(classes) classes: use \"loss\": \"softmax_cross_entropy\" with a last layer of \(classes) units"
                    error.data.append(ConfigEntry(key: "suggestion", value: "softmax_cross_entropy"))
                }
                throw error
            }
        case .softmax?:
            let classes = Double(model.outputUnits)
            if let bad = data.targets.first(where: { !($0 >= 0 && $0 < classes && $0.rounded() == $0) }) {
                throw mismatch("class indices 0..<\(model.outputUnits)", "a label \(bad)")
            }
        default:
            break
        }
    }

    /// `evaluate`: cost and accuracy over a whole set, inference mode.
    static func evaluate(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["model", "data"])
        let model = try session.model(params)
        let data = try session.dataset(params, "data")
        try checkCompatible(data, model, path: params.field("data"))
        let evaluation = model.evaluate(data)
        return withFiniteFlags([
            ConfigEntry(key: "cost", value: .number(evaluation.cost)),
            ConfigEntry(key: "accuracy", value: evaluation.accuracy.map { .number($0) } ?? .null),
            ConfigEntry(key: "n", value: .int(evaluation.count)),
        ])
    }

    /// `predict`: outputs for rows sent in the request.
    static func predict(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["model", "x"])
        let model = try session.model(params)
        let (features, rows, columns) = try matrix(params, "x", session: session)
        guard columns == model.inputUnits else {
            throw GradwellError.invalid("\(params.field("x"))[0]", expected: "\(model.inputUnits) numbers per row (the model's input)", got: "\(columns)")
        }
        try session.checkElements(Double(rows) * Double(model.outputUnits), path: params.field("x"), what: "the predictions")
        let prediction = model.predict(features: features, rows: rows)
        var entries: [ConfigEntry] = []
        let rowsValue = ConfigValue.array(prediction.values.map { .array($0.map { .number($0) }) })
        if let labels = prediction.labels {
            entries.append(ConfigEntry(key: "y", value: .array(labels.map { .int(Int($0)) })))
        } else if let rows = prediction.labelRows {
            entries.append(ConfigEntry(key: "y", value: .array(rows.map { .array($0.map { .int(Int($0)) }) })))
        } else {
            entries.append(ConfigEntry(key: "y", value: rowsValue))
        }
        if prediction.probabilities { entries.append(ConfigEntry(key: "probabilities", value: rowsValue)) }
        return withFiniteFlags(entries)
    }

    /// Adds `"non_finite": [paths]` naming every NaN or infinite number in the result (each is
    /// written as null), e.g. `["cost", "probabilities[3][0]"]`; at most 100 paths are listed.
    static func withFiniteFlags(_ entries: [ConfigEntry]) -> ConfigValue {
        var bad: [ConfigValue] = []
        func scan(_ value: ConfigValue, _ path: String) {
            guard bad.count < 100 else { return }
            switch value {
            case .number(let d) where !d.isFinite: bad.append(.string(path))
            case .array(let items): for (i, item) in items.enumerated() { scan(item, "\(path)[\(i)]") }
            case .object(let members): for member in members { scan(member.value, path.isEmpty ? member.key : "\(path).\(member.key)") }
            default: break
            }
        }
        scan(.object(entries), "")
        return .object(bad.isEmpty ? entries : entries + [ConfigEntry(key: "non_finite", value: .array(bad))])
    }
}

extension Methods {
    /// `model/boundary`: the model's predictions over a grid of a 2-feature input plane, as the
    /// course's decision-boundary plots draw them. Bounds come from `data` (padded by 10%) or
    /// are given; `values[row][column]` is P(class 1) for one sigmoid output, the predicted class
    /// for softmax, the first output otherwise.
    static func modelBoundary(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["model", "data", "resolution", "x_min", "x_max", "y_min", "y_max"])
        let model = try session.model(params)
        guard model.inputUnits == 2 else {
            throw GradwellError.invalid(params.field("model"), expected: "a model with 2 input features", got: "\(model.inputUnits)")
        }
        let resolution = try params.int("resolution", default: 100, min: 2, max: 1000)
        var plane = DecisionBoundary.Plane()
        if params.has("data") {
            let data = try session.dataset(params, "data")
            guard data.featureCount == 2, data.count > 0 else {
                throw GradwellError.invalid(params.field("data"), expected: "a data set with 2 features", got: "\(data.featureCount)")
            }
            plane = DecisionBoundary.Plane(around: data)
        }
        plane.xMin = try params.double("x_min", default: plane.xMin)
        plane.xMax = try params.double("x_max", default: plane.xMax)
        plane.yMin = try params.double("y_min", default: plane.yMin)
        plane.yMax = try params.double("y_max", default: plane.yMax)
        if let problem = plane.problem { throw GradwellError.invalid(params.field(problem.field), expected: problem.expected) }
        let boundary = DecisionBoundary(model: model, plane: plane, resolution: resolution)
        let values: [ConfigValue] = boundary.values.map { row in
            .array(row.map { boundary.kind == .class ? .int(Int($0)) : .number($0) })
        }
        return withFiniteFlags([
            ConfigEntry(key: "xs", value: .array(boundary.xs.map { .number($0) })),
            ConfigEntry(key: "ys", value: .array(boundary.ys.map { .number($0) })),
            ConfigEntry(key: "values", value: .array(values)),
            ConfigEntry(key: "kind", value: .string(boundary.kind.rawValue)),
            ConfigEntry(key: "classes", value: .int(boundary.classes)),
        ])
    }
}
