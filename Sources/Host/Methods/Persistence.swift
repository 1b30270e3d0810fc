import CKernels
import GradwellBuiltins
import GradwellProtocols
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `model/save` and `model/load`: a self-describing JSON file (architecture, parameters,
/// optimizer state, normalization), written to a temporary file, synced, then renamed, so a
/// crash or a full disk never leaves a half-written model in place of a good one.
extension Methods {
    static let modelFormat = "gradwell-model"
    static let modelFormatVersion = 1

    static func modelSave(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["model", "path"])
        let name = try params.name("model")
        let model = try session.model(params)
        let path = try session.path(params, "path")
        let snapshot = model.snapshot()
        if let bad = nonFiniteParameter(snapshot) {
            throw GradwellError(.invalidParams,
                "\(params.field("model")): '\(name)' has non-finite values in \(bad.name) (it diverged); not saved, so no good file is replaced by a broken one",
                data: [ConfigEntry(key: "path", value: .string(params.field("model"))),
                       ConfigEntry(key: "parameter", value: .string(bad.name))])
        }
        let text = encodeModel(snapshot)
        try Files.writeAtomically(text, to: path)
        return .object(["model": .string(name), "path": .string(path), "bytes": .int(text.utf8.count)])
    }

    static func modelLoad(_ session: Session, _ params: Params, _ context: RequestContext) throws -> ConfigValue {
        try params.allowOnly(["name", "path"])
        let name = try params.name("name")
        let path = try session.path(params, "path")
        let bytes = try Files.read(path)
        let document: ConfigValue
        switch JSON.parse(bytes) {
        case .success(let value): document = value
        case .failure(let failure):
            throw GradwellError(.io, "\(path): not a valid model file: \(failure.reason) at line \(failure.line), column \(failure.column)",
                                data: [ConfigEntry(key: "path", value: .string(path)),
                                       ConfigEntry(key: "line", value: .int(failure.line)),
                                       ConfigEntry(key: "column", value: .int(failure.column))])
        }
        let model: any TrainableModel
        do {
            let snapshot = try decodeModel(document, registry: session.registry, session: session)
            model = try ModelFactory.build(snapshot.specification, registry: session.registry)
            try model.restore(snapshot)
        } catch let error as GradwellError where error.code != .io {
            throw GradwellError(.io, "\(path): not a valid model file: \(error.message)",
                                data: [ConfigEntry(key: "path", value: .string(path))] + error.data.map {
                                    $0.key == "path" ? ConfigEntry(key: "field", value: $0.value) : $0
                                })
        } catch let error as GradwellError {
            throw GradwellError(.io, "\(path): \(error.message)", data: [ConfigEntry(key: "path", value: .string(path))])
        } catch let mismatch as StateMismatch {
            throw GradwellError(.io, "\(path): \(mismatch.message)", data: [ConfigEntry(key: "path", value: .string(path))])
        } catch let problem as ConfigProblem {
            throw GradwellError(.io, "\(path): not a valid model file: \(problem)",
                                data: [ConfigEntry(key: "path", value: .string(path)), ConfigEntry(key: "field", value: .string(problem.field))])
        }
        session.models[name] = model
        return describe(name: name, model: model, registry: session.registry)
    }

    /// The first parameter tensor holding NaN or infinity (a diverged model), which no save or
    /// checkpoint writes over a good file.
    static func nonFiniteParameter(_ snapshot: ModelSnapshot) -> ModelSnapshot.TensorValues? {
        snapshot.parameters.first { !$0.values.allSatisfy(\.isFinite) }
    }

    // MARK: - The file format

    static func encodeModel(_ snapshot: ModelSnapshot) -> String {
        let specification = snapshot.specification
        let single = specification.dtype == .float32
        var out = "{\"format\":\"\(modelFormat)\",\"format_version\":\(modelFormatVersion),\"protocol\":\(Session.protocolVersion)"
        out += ",\"gradwell\":\"\(Session.version)\",\"model\":"
        JSON.write(.object([
            "input": inputValue(specification.inputShape),
            "layers": .array(specification.layers.map(\.configValue)),
            "loss": specification.loss.configValue,
            "dtype": .string(specification.dtype.rawValue),
            "seed": .int(Int(specification.seed)),
            "rng": .string(specification.rng.rawValue),
        ]), to: &out)
        out += ",\"epochs_trained\":\(snapshot.epochsTrained),\"normalization\":"
        if let normalization = snapshot.normalization {
            JSON.write(.object(["mean": .array(normalization.mean.map { .number($0) }),
                                "std": .array(normalization.std.map { .number($0) })]), to: &out)
        } else {
            out += "null"
        }
        out += ",\"parameters\":"
        writeTensors(snapshot.parameters, single: single, to: &out)
        out += ",\"layer_state\":"
        JSON.write(.array(snapshot.layerStates.map { state in
            .object(state.keys.sorted().map { ConfigEntry(key: $0, value: state[$0]!) })
        }), to: &out)
        out += ",\"optimizer\":"
        if let optimizer = snapshot.optimizer {
            out += "{\"config\":"
            JSON.write(optimizer.config.configValue, to: &out)
            out += ",\"step\":\(optimizer.step),\"state\":["
            for (index, slots) in optimizer.state.enumerated() {
                if index > 0 { out += "," }
                writeTensors(slots, single: single, to: &out)
            }
            out += "]}"
        } else {
            out += "null"
        }
        out += "}\n"
        return out
    }

    private static func writeTensors(_ tensors: [ModelSnapshot.TensorValues], single: Bool, to out: inout String) {
        out += "["
        for (index, tensor) in tensors.enumerated() {
            if index > 0 { out += "," }
            out += "{\"name\":"
            JSON.writeString(tensor.name, to: &out)
            out += ",\"shape\":[\(tensor.rows),\(tensor.columns)],\"values\":["
            for (i, value) in tensor.values.enumerated() {
                if i > 0 { out += "," }
                out += single ? JSON.format(Float(value)) : JSON.format(value)
            }
            out += "]}"
        }
        out += "]"
    }

    static func decodeModel(_ document: ConfigValue, registry: Registry, session: Session) throws -> ModelSnapshot {
        let file = try Params(document, path: "file")
        guard (try? file.string("format")) == modelFormat else {
            throw GradwellError.invalid("file.format", expected: "\"\(modelFormat)\"", got: document["format"]?.typeDescription ?? "nothing")
        }
        let version = try file.int("format_version")
        guard version == modelFormatVersion else {
            throw GradwellError.invalid("file.format_version", expected: "\(modelFormatVersion) (this host's model format)", got: "\(version)")
        }
        guard let modelParams = try file.object("model") else { throw GradwellError.missing("file.model", expected: "the architecture") }
        let specification = try modelSpecification(modelParams, registry: registry, session: session)
        let parameters = try tensors(file.array("parameters") ?? [], path: "file.parameters")
        let states = try (file.array("layer_state") ?? []).enumerated().map { index, value -> [String: ConfigValue] in
            guard let entries = value.objectEntries else {
                throw GradwellError.invalid("file.layer_state[\(index)]", expected: "an object", got: value.typeDescription)
            }
            return Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        var optimizer: ModelSnapshot.OptimizerState?
        if let saved = try file.object("optimizer") {
            let config = try registry.resolve(saved.value("config") ?? .null, kind: .optimizer, path: "file.optimizer.config")
            // Each parameter's state holds the slots this optimizer keeps (Adam: m and v).
            let slots = try registry.makeOptimizer(config).slots.count
            let state = try (saved.array("state") ?? []).enumerated().map { index, value in
                let tensors = try tensors(value.arrayValue ?? [], path: "file.optimizer.state[\(index)]")
                guard tensors.count == slots else {
                    throw GradwellError.invalid("file.optimizer.state[\(index)]", expected: "\(slots) tensors (the optimizer's state slots)",
                                                got: "\(tensors.count)")
                }
                return tensors
            }
            optimizer = ModelSnapshot.OptimizerState(config: config, step: try saved.int("step", min: 0, max: maxCounter), state: state)
        }
        var normalization: Normalization?
        // Always written (null without statistics): a file without it lost part of the model.
        guard document.objectEntries?.contains(where: { $0.key == "normalization" }) == true else {
            throw GradwellError.missing("file.normalization", expected: "null or {\"mean\", \"std\"}")
        }
        if let stats = try file.object("normalization") {
            let mean = try numbers(stats.array("mean") ?? [], path: "file.normalization.mean")
            let std = try numbers(stats.array("std") ?? [], path: "file.normalization.std")
            guard mean.count == specification.input, std.count == specification.input, std.allSatisfy({ $0 > 0 }) else {
                throw GradwellError.invalid("file.normalization", expected: "\(specification.input) means and positive stds", got: "\(mean.count) and \(std.count)")
            }
            normalization = Normalization(mean: mean, std: std)
        }
        return ModelSnapshot(specification: specification, parameters: parameters, layerStates: states, optimizer: optimizer,
                             epochsTrained: try file.int("epochs_trained", default: 0, min: 0, max: maxCounter),
                             normalization: normalization)
    }

    /// The largest step or epoch count a model file may hold (2^53, the largest integer every
    /// JSON reader keeps exactly); training adds at most `--max-epochs` epochs to it.
    static let maxCounter = 1 << 53

    private static func tensors(_ items: [ConfigValue], path: String) throws -> [ModelSnapshot.TensorValues] {
        try items.enumerated().map { index, item in
            let tensor = try Params(item, path: "\(path)[\(index)]")
            guard let shape = try tensor.array("shape"), shape.count == 2, let rows = shape[0].intValue, let columns = shape[1].intValue,
                  rows >= 0, columns >= 0, !rows.multipliedReportingOverflow(by: columns).overflow else {
                throw GradwellError.invalid(tensor.field("shape"), expected: "[rows, columns], two integers ≥ 0 whose product is an Int")
            }
            let values = try numbers(tensor.array("values") ?? [], path: tensor.field("values"))
            guard values.count == rows * columns else {
                throw GradwellError.invalid(tensor.field("values"), expected: "\(rows * columns) numbers", got: "\(values.count)")
            }
            return ModelSnapshot.TensorValues(name: (try? tensor.string("name")) ?? "", rows: rows, columns: columns, values: values)
        }
    }

    private static func numbers(_ items: [ConfigValue], path: String) throws -> [Double] {
        try items.enumerated().map { index, item in
            guard let value = item.doubleValue, value.isFinite else {
                throw GradwellError.invalid("\(path)[\(index)]", expected: "a finite number", got: item.typeDescription)
            }
            return value
        }
    }
}
