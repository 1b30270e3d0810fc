import GradwellBuiltins
import GradwellProtocols

extension Methods {
    /// `dataset/generate`: a synthetic set from a registered generator.
    static func datasetGenerate(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        let name = try params.name("name")
        let generatorName = try params.string("generator")
        let seed = try params.seed()
        let family = try params.rng()
        // The generator's own parameters sit beside name/generator/seed/rng.
        let own = params.entries.filter { !["name", "generator", "seed", "rng"].contains($0.key) }
        guard session.registry.entry(.generator, generatorName) != nil else {
            throw GradwellError.unknownComponent(params.field("generator"), kind: "generator", name: generatorName,
                                                 available: session.registry.names(.generator))
        }
        let config = try session.registry.resolve(.object([ConfigEntry(key: "type", value: .string(generatorName))] + own),
                                                  kind: .generator, path: "params")
        let generator = try session.registry.makeGenerator(config)
        try session.checkElements(generator.requestedElements, path: "params.n", what: "the data set")
        var random = RandomStream.make(family, seed: seed, path: [0x6461_7461])  // "data"
        let dataset = Dataset(name: name, generated: generator.generate(random: &random))
        session.datasets[name] = dataset
        return describe(dataset)
    }

    /// `dataset/inline`: examples sent in the request itself.
    static func datasetInline(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["name", "x", "y"])
        let name = try params.name("name")
        let (features, rows, columns) = try matrix(params, "x", session: session)
        guard let yValue = params.value("y") else { throw GradwellError.missing(params.field("y"), expected: "an array with one label or row of targets per row of x") }
        guard let items = yValue.arrayValue else {
            throw GradwellError.invalid(params.field("y"), expected: "an array", got: yValue.typeDescription)
        }
        guard items.count == rows else {
            throw GradwellError.invalid(params.field("y"), expected: "\(rows) entries, one per row of x", got: "\(items.count)")
        }
        var targets: [Double] = []
        var targetColumns = 1
        if let first = items.first, first.arrayValue != nil {
            let (values, _, width) = try matrix(params, "y", session: session)
            targets = values
            targetColumns = width
        } else {
            for (index, item) in items.enumerated() {
                guard let number = item.doubleValue, number.isFinite else {
                    throw GradwellError.invalid("\(params.field("y"))[\(index)]", expected: "a finite number", got: item.typeDescription)
                }
                targets.append(number)
            }
        }
        let dataset = Dataset(name: name, features: features, featureCount: columns, targets: targets, targetColumns: targetColumns)
        session.datasets[name] = dataset
        return describe(dataset)
    }

    /// Reads `params[key]` as a rectangular array of finite numbers, bounded by the element limit.
    static func matrix(_ params: Params, _ key: String, session: Session) throws -> (values: [Double], rows: Int, columns: Int) {
        let path = params.field(key)
        guard let value = params.value(key) else { throw GradwellError.missing(path, expected: "an array of rows of numbers") }
        guard let rows = value.arrayValue else { throw GradwellError.invalid(path, expected: "an array of rows of numbers", got: value.typeDescription) }
        guard !rows.isEmpty else { throw GradwellError.invalid(path, expected: "at least one row", got: "an empty array") }
        guard let firstRow = rows[0].arrayValue else {
            throw GradwellError.invalid("\(path)[0]", expected: "an array of numbers", got: rows[0].typeDescription)
        }
        let columns = firstRow.count
        guard columns > 0 else { throw GradwellError.invalid("\(path)[0]", expected: "at least one number", got: "an empty array") }
        try session.checkElements(Double(rows.count) * Double(columns), path: path, what: "the array")
        var values: [Double] = []
        values.reserveCapacity(rows.count * columns)
        for (r, row) in rows.enumerated() {
            guard let items = row.arrayValue else {
                throw GradwellError.invalid("\(path)[\(r)]", expected: "an array of \(columns) numbers", got: row.typeDescription)
            }
            guard items.count == columns else {
                throw GradwellError.invalid("\(path)[\(r)]", expected: "\(columns) numbers, as row 0 has", got: "\(items.count)")
            }
            for (c, item) in items.enumerated() {
                guard let number = item.doubleValue, number.isFinite else {
                    throw GradwellError.invalid("\(path)[\(r)][\(c)]", expected: "a finite number", got: item.typeDescription)
                }
                values.append(number)
            }
        }
        return (values, rows.count, columns)
    }

    static func describe(_ dataset: Dataset) -> ConfigValue {
        .object([
            "name": .string(dataset.name),
            "n": .int(dataset.count),
            "features": .int(dataset.featureCount),
            "classes": dataset.classCount.map { .int($0) } ?? .null,
            "target_columns": .int(dataset.targetColumns),
        ])
    }
}
