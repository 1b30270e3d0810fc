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
        // Parameters near ±1.8e308 (a blob center, a noise level) can make values overflow.
        guard dataset.features.allSatisfy(\.isFinite) else {
            throw GradwellError.invalid("params", expected: "\(generatorName) parameters whose points are finite numbers (these overflow to infinity or NaN)")
        }
        session.replaceDataset(name, with: dataset)
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
        session.replaceDataset(name, with: dataset)
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

extension Methods {
    /// `dataset/split`: cut a set into named parts by fraction, after a seeded shuffle,
    /// stratified by label when asked.
    static func datasetSplit(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["source", "into", "seed", "stratify", "shuffle", "rng"])
        let source = try session.dataset(params, "source")
        guard let into = try params.object("into"), !into.entries.isEmpty else {
            throw GradwellError.missing(params.field("into"), expected: "an object of part names to fractions, e.g. {\"train\": 0.8, \"dev\": 0.2}")
        }
        var parts: [(name: String, fraction: Double)] = []
        for entry in into.entries {
            guard !entry.key.isEmpty else { throw GradwellError.invalid(into.field(entry.key), expected: "a non-empty name") }
            parts.append((entry.key, try into.double(entry.key, min: 0, max: 1, exclusiveMin: true)))
        }
        let sum = parts.reduce(0) { $0 + $1.fraction }
        guard abs(sum - 1) < 1e-9 else {
            throw GradwellError.invalid(params.field("into"), expected: "fractions that add up to 1", got: "\(sum)")
        }
        let stratify = try params.bool("stratify", default: false)
        if stratify && source.classCount == nil {
            throw GradwellError.invalid(params.field("stratify"), expected: "false: data set '\(source.name)' has no class labels", got: "true")
        }
        var random = RandomStream.make(try params.rng(), seed: try params.seed(), path: [0x7370_6c69_74])  // "split"
        let subsets = source.split(into: parts, stratify: stratify, shuffle: try params.bool("shuffle", default: true), random: &random)
        if let empty = subsets.firstIndex(where: { $0.count == 0 }) {
            throw GradwellError.invalid(into.field(parts[empty].name), expected: "a fraction large enough for at least one of \(source.count) rows",
                                        got: "\(parts[empty].fraction)")
        }
        for subset in subsets { session.replaceDataset(subset.name, with: subset) }
        let sets = subsets.map(describe)
        return .object(["source": .string(source.name), "sets": .array(sets)])
    }

    /// `dataset/normalize`: zero mean, unit variance per feature, with the statistics of
    /// `stats_from`'s original values; models trained on it keep the statistics for `predict`.
    static func datasetNormalize(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["name", "stats_from"])
        var target = try session.dataset(params, "name")
        var source = params.has("stats_from") ? try session.dataset(params, "stats_from") : target
        guard source.count > 0 else {
            throw GradwellError.invalid(params.field("stats_from"), expected: "a data set with at least one row", got: "an empty set")
        }
        guard source.featureCount == target.featureCount else {
            throw GradwellError.invalid(params.field("stats_from"), expected: "a set with \(target.featureCount) features", got: "\(source.featureCount)")
        }
        let statistics = source.originalStatistics ?? Normalization.of(source.originalFeatures ?? source.features, columns: source.featureCount)
        if source.originalStatistics == nil {
            source.originalStatistics = statistics
            session.replaceDataset(source.name, with: source)
            if source.name == target.name { target = source }
        }
        let original = target.originalFeatures ?? target.features
        var features = original
        statistics.apply(to: &features, columns: target.featureCount)
        target.originalFeatures = original
        target.features = features
        target.normalization = statistics
        session.replaceDataset(target.name, with: target)
        return .object(["name": .string(target.name), "stats_from": .string(source.name),
                        "mean": .array(statistics.mean.map { .number($0) }), "std": .array(statistics.std.map { .number($0) })])
    }

    /// `dataset/load`: a CSV, .npy or IDX file (and a second file of labels for the last two).
    static func datasetLoad(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["name", "path", "format", "label", "labels", "scale"])
        let name = try params.name("name")
        let path = try session.path(params, "path")
        // The format is guessed from the name as given (a link may point at a file named otherwise).
        let format = try params.string("format", default: Self.guessFormat(try params.string("path")), choices: ["csv", "npy", "idx"])
        let limit = session.limits.maxElements
        // Checked whatever the format (it only applies to IDX bytes).
        let scaleBytes = try params.bool("scale", default: true)
        // Each file's size and checksum go into the answer, so a run log records what was read
        // and `replay --verify` names a file that changed since.
        var files: [ConfigValue] = []
        func read(_ file: String) throws -> [UInt8] {
            let bytes = try Files.read(file)
            guard Double(bytes.count) <= 8 * Double(limit) + 65536 else {
                throw GradwellError.resourceLimit(params.field("path"), "\(file) is \(bytes.count) bytes, more than the element limit allows",
                                                  limit: limit, requested: Double(bytes.count))
            }
            files.append(.object(["path": .string(file), "bytes": .int(bytes.count), "sha256": .string(Files.sha256(bytes))]))
            return bytes
        }
        func fileError(_ file: String, _ error: DataFileError) -> GradwellError {
            var data = [ConfigEntry(key: "path", value: .string(file))]
            var where_ = ""
            if let line = error.line { data.append(ConfigEntry(key: "line", value: .int(line))); where_ += " line \(line)" }
            if let column = error.column { data.append(ConfigEntry(key: "column", value: .int(column))); where_ += " column \(column)" }
            if let offset = error.offset { data.append(ConfigEntry(key: "offset", value: .int(offset))); where_ += " offset \(offset)" }
            if error.exceedsLimit {
                return GradwellError(.resourceLimit, "\(file): \(error.message)",
                                     data: data + [ConfigEntry(key: "limit", value: .int(limit))])
            }
            return GradwellError(.io, "\(file):\(where_.isEmpty ? "" : where_ + ":") \(error.message)", data: data)
        }
        var table: NumericTable
        var header: [String] = []
        do {
            switch format {
            case "csv": (header, table) = try DataLoaders.csv(try read(path), maxElements: limit)
            case "npy": table = try DataLoaders.npy(try read(path), maxElements: limit)
            default: table = try DataLoaders.idx(try read(path), scaleBytes: scaleBytes, maxElements: limit)
            }
        } catch let error as DataFileError {
            throw fileError(path, error)
        }
        var targets: [Double] = []
        var targetColumns = 1
        if let labelsPath = params.has("labels") ? try session.path(params, "labels") : nil {
            let labels: NumericTable
            do {
                labels = format == "idx" ? try DataLoaders.idx(try read(labelsPath), scaleBytes: false, maxElements: limit)
                       : format == "npy" ? try DataLoaders.npy(try read(labelsPath), maxElements: limit)
                       : try DataLoaders.csv(try read(labelsPath), maxElements: limit).table
            } catch let error as DataFileError {
                throw fileError(labelsPath, error)
            }
            guard labels.rows == table.rows else {
                throw GradwellError(.io, "\(labelsPath): \(labels.rows) labels for \(table.rows) rows of \(path)",
                                    data: [ConfigEntry(key: "path", value: .string(labelsPath))])
            }
            targets = labels.wideValues
            targetColumns = labels.columns
        } else {
            let column: Int
            if let labelValue = params.value("label") {
                if let index = labelValue.intValue {
                    guard index >= 0 && index < table.columns else {
                        throw GradwellError.invalid(params.field("label"), expected: "a column index 0..<\(table.columns)", got: "\(index)")
                    }
                    column = index
                } else if let labelName = labelValue.stringValue {
                    guard let index = header.firstIndex(of: labelName) else {
                        throw GradwellError.invalid(params.field("label"), expected: header.isEmpty ? "a column index (this format has no header)"
                                                    : "a column of the header: \(header.joined(separator: ", "))", got: "'\(labelName)'")
                    }
                    column = index
                } else {
                    throw GradwellError.invalid(params.field("label"), expected: "a column name or index", got: labelValue.typeDescription)
                }
            } else if let index = header.firstIndex(of: "label") {
                column = index
            } else {
                throw GradwellError.missing(params.field("label"), expected: "the label column (by name or index), or `labels` naming a second file")
            }
            if table.float32Values != nil { table = NumericTable(values: table.wideValues, rows: table.rows, columns: table.columns) }
            guard table.columns >= 2 else {
                throw GradwellError.invalid(params.field("label"), expected: "a table with features besides the label column", got: "\(table.columns) column(s)")
            }
            var features: [Double] = []
            features.reserveCapacity(table.rows * (table.columns - 1))
            for row in 0..<table.rows {
                for c in 0..<table.columns {
                    let value = table.values[row * table.columns + c]
                    if c == column { targets.append(value) } else { features.append(value) }
                }
            }
            table = NumericTable(values: features, rows: table.rows, columns: table.columns - 1)
        }
        guard table.rows > 0 else {
            throw GradwellError(.io, "\(path): no rows", data: [ConfigEntry(key: "path", value: .string(path))])
        }
        let dataset = table.float32Values.map {
            Dataset(name: name, float32Features: $0, featureCount: table.columns, targets: targets, targetColumns: targetColumns)
        } ?? Dataset(name: name, features: table.values, featureCount: table.columns, targets: targets, targetColumns: targetColumns)
        session.replaceDataset(name, with: dataset)
        return describe(dataset).setting("files", to: .array(files))
    }

    /// `dataset/drop`: forgets a data set and gives its memory back to the system.
    static func datasetDrop(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["name"])
        let name = try params.name("name")
        guard session.datasets[name] != nil else { throw session.unknownDataset(name, path: params.field("name")) }
        session.replaceDataset(name, with: nil)
        return .object(["name": .string(name), "dropped": true])
    }

    static func guessFormat(_ path: String) -> String {
        if path.hasSuffix(".npy") { return "npy" }
        if path.hasSuffix("-ubyte") || path.hasSuffix(".idx") || path.contains("idx1") || path.contains("idx3") { return "idx" }
        return "csv"
    }
}
