import GradwellProtocols

/// Turns request lines into calls of the method handlers and their results into response
/// lines. It knows messages, not bytes or threads: the server feeds it lines from a pipe,
/// `gradwell run` from a file.
final class Dispatcher {
    let session: Session
    /// Where responses and notifications go, one JSON text per call.
    let emit: (String) -> Void
    /// Whether the request with this (encoded) id has been cancelled, or a signal asked to stop.
    let isCancelled: (String) -> Bool
    /// Called with every response value, for `gradwell run`'s summary.
    var onResponse: ((_ method: String, _ params: ConfigValue, _ response: ConfigValue) -> Void)?
    /// Called when a request with this (encoded) id is done, or a `$/cancel` naming it has been
    /// answered: a cancellation never outlives the request it was meant for.
    var onFinished: ((String) -> Void)?
    /// Records every input line (`--record`).
    var log: RunLog?
    /// Called with every notification before it is sent, for `gradwell run`'s progress bar.
    var onNotification: ((_ method: String, _ params: ConfigValue) -> Void)?

    init(session: Session, emit: @escaping (String) -> Void, isCancelled: @escaping (String) -> Bool) {
        self.session = session
        self.emit = emit
        self.isCancelled = isCancelled
    }

    /// Handles one line: answers it (unless it is a notification or blank).
    func handle(_ line: LineReader.Line) {
        switch line {
        case .tooLong(let length):
            log?.recordInput(line, parsed: false)
            emit(JSON.encode(Self.errorResponse(id: .null, GradwellError.resourceLimit(
                "line", "a request line of \(length) bytes exceeds the limit of \(session.limits.maxLineBytes) bytes (raise it with --max-line-bytes)",
                limit: session.limits.maxLineBytes, requested: Double(length)))))
        case .text(let bytes):
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            // A raw NUL is never JSON (jansson would stop reading at it).
            if let nul = bytes.firstIndex(of: 0) {
                log?.recordInput(line, parsed: false)
                emit(JSON.encode(Self.errorResponse(id: .null, GradwellError(.parseError,
                    "parse error: a NUL byte at column \(nul + 1) (control characters must be escaped)",
                    data: [ConfigEntry(key: "line", value: 1), ConfigEntry(key: "column", value: .int(nul + 1)),
                           ConfigEntry(key: "position", value: .int(nul))]))))
                return
            }
            let parsed = JSON.parse(bytes)
            if case .success = parsed { log?.recordInput(line, parsed: true) } else { log?.recordInput(line, parsed: false) }
            switch parsed {
            case .failure(let failure) where failure.reason.hasPrefix("duplicate object key")
                                          || failure.reason.hasPrefix("NUL byte in object key"):
                // Valid JSON, but not a request we accept: a key twice (which one would count?)
                // or a key with \u0000 in it.
                emit(JSON.encode(Self.errorResponse(id: .null, GradwellError(.invalidRequest,
                    "invalid request: \(failure.reason) (column \(failure.column))",
                    data: [ConfigEntry(key: "line", value: .int(failure.line)), ConfigEntry(key: "column", value: .int(failure.column)),
                           ConfigEntry(key: "position", value: .int(failure.position))]))))
            case .failure(let failure):
                emit(JSON.encode(Self.errorResponse(id: .null, GradwellError(.parseError,
                    "parse error: \(failure.reason) (column \(failure.column))",
                    data: [ConfigEntry(key: "line", value: .int(failure.line)),
                           ConfigEntry(key: "column", value: .int(failure.column)),
                           ConfigEntry(key: "position", value: .int(failure.position))]))))
            case .success(let value):
                if case .array(let items) = value {
                    handleBatch(items)
                } else if let response = handleMessage(value) {
                    emit(JSON.encode(response))
                }
            }
        }
    }

    /// A JSON-RPC batch: each member handled in order, the responses sent as one array.
    private func handleBatch(_ items: [ConfigValue]) {
        guard !items.isEmpty else {
            emit(JSON.encode(Self.errorResponse(id: .null, GradwellError(.invalidRequest, "an empty array is not a valid batch"))))
            return
        }
        let responses = items.compactMap { handleMessage($0) }
        if !responses.isEmpty { emit(JSON.encode(.array(responses))) }
    }

    /// Validates one request object and runs it; nil for a notification.
    func handleMessage(_ message: ConfigValue) -> ConfigValue? {
        guard case .object = message else {
            return Self.errorResponse(id: .null, GradwellError(.invalidRequest,
                "a request must be a JSON object with \"jsonrpc\": \"2.0\" and a \"method\", got \(message.typeDescription)"))
        }
        // A response (from a run log fed back as a script) is not a request: ignore it, unless it
        // is not a valid response either (JSON-RPC 2.0 §5: result or error, never both).
        if message["method"] == nil, message["jsonrpc"] == .string("2.0"), message["id"] != nil,
           message["result"] != nil || message["error"] != nil {
            guard message["result"] != nil && message["error"] != nil else { return nil }
            return Self.errorResponse(id: .null, GradwellError(.invalidRequest,
                "a response must have either \"result\" or \"error\", not both (and the host takes requests, not responses)",
                data: [ConfigEntry(key: "path", value: "error")]))
        }
        let idValue = message["id"]
        var id: ConfigValue = .null
        if let idValue {
            switch idValue {
            case .int, .number, .string, .null: id = idValue
            default:
                return Self.errorResponse(id: .null, GradwellError(.invalidRequest,
                    "id must be a string, a number or null, got \(idValue.typeDescription)",
                    data: [ConfigEntry(key: "path", value: "id")]))
            }
        }
        guard message["jsonrpc"] == .string("2.0") else {
            return Self.errorResponse(id: id, GradwellError(.invalidRequest,
                "jsonrpc must be \"2.0\", got \(message["jsonrpc"].map { JSON.encode($0) } ?? "nothing")",
                data: [ConfigEntry(key: "path", value: "jsonrpc"), ConfigEntry(key: "expected", value: "\"2.0\"")]))
        }
        guard let method = message["method"]?.stringValue else {
            return Self.errorResponse(id: id, GradwellError(.invalidRequest,
                "method must be a string, got \(message["method"]?.typeDescription ?? "nothing")",
                data: [ConfigEntry(key: "path", value: "method"), ConfigEntry(key: "expected", value: "a string")]))
        }
        // JSON-RPC 2.0 §4: params, when present, is a structured value. Anything else makes the
        // message an invalid request, answered even without an id (its id cannot be trusted).
        if let params = message["params"] {
            switch params {
            case .object, .array: break
            default:
                return Self.errorResponse(id: idValue == nil ? .null : id, GradwellError(.invalidRequest,
                    "params must be an object (or an array), got \(params.typeDescription)",
                    data: [ConfigEntry(key: "path", value: "params"), ConfigEntry(key: "expected", value: "an object")]))
            }
        }
        let isNotification = idValue == nil
        let paramsValue = message["params"] ?? .object([])
        let result = run(method: method, paramsValue: paramsValue, id: id)
        onResponse?(method, paramsValue, result)
        if isNotification { return nil }
        return result
    }

    private func run(method: String, paramsValue: ConfigValue, id: ConfigValue) -> ConfigValue {
        do {
            if method == "$/cancel" {
                let params = try Params(paramsValue)
                try params.allowOnly(["id"])
                guard let target = params.value("id") else { throw GradwellError.missing("params.id", expected: "the id (a string or number) of the request to cancel") }
                guard target.stringValue != nil || target.doubleValue != nil else {
                    throw GradwellError.invalid("params.id", expected: "the id (a string or number) of the request to cancel", got: target.typeDescription)
                }
                onFinished?(JSON.encode(target))
                return Self.resultResponse(id: id, .object(["id": target, "acknowledged": true]))
            }
            guard let handler = Methods.table[method] else {
                let suggestion = Suggestion.closest(to: method, in: Methods.all)
                throw GradwellError(.methodNotFound, "unknown method '\(method)'\(suggestion.map { "; did you mean '\($0)'?" } ?? "")",
                                    data: [ConfigEntry(key: "method", value: .string(method)),
                                           ConfigEntry(key: "available", value: .array(Methods.all.map { .string($0) }))]
                                        + (suggestion.map { [ConfigEntry(key: "suggestion", value: .string($0))] } ?? []))
            }
            let params = try Params(paramsValue)
            let key = JSON.encode(id)
            defer { if id != .null { onFinished?(key) } }
            if isCancelled(key) && id != .null {
                throw GradwellError(.cancelled, "request \(key) was cancelled before it started",
                                    data: [ConfigEntry(key: "epochs", value: 0), ConfigEntry(key: "steps", value: 0),
                                           ConfigEntry(key: "cost", value: .null)])
            }
            let context = RequestContext(
                id: id,
                notify: { [emit, onNotification] method, params in
                    onNotification?(method, params)
                    emit(JSON.encode(.object(["jsonrpc": "2.0", "method": .string(method), "params": params])))
                },
                isCancelled: { [isCancelled] in isCancelled(key) })
            return Self.resultResponse(id: id, try handler(session, params, context))
        } catch let error as GradwellError {
            return Self.errorResponse(id: id, error)
        } catch let problem as ConfigProblem {
            return Self.errorResponse(id: id, problem.error(under: "params"))
        } catch let mismatch as StateMismatch {
            return Self.errorResponse(id: id, GradwellError(.io, mismatch.message))
        } catch {
            return Self.errorResponse(id: id, GradwellError(.internalError, "internal error: \(error)"))
        }
    }

    static func resultResponse(id: ConfigValue, _ result: ConfigValue) -> ConfigValue {
        .object(["jsonrpc": "2.0", "id": id, "result": result])
    }

    static func errorResponse(id: ConfigValue, _ error: GradwellError) -> ConfigValue {
        var body: [ConfigEntry] = [ConfigEntry(key: "code", value: .int(error.code.rawValue)),
                                   ConfigEntry(key: "message", value: .string(error.message))]
        if !error.data.isEmpty { body.append(ConfigEntry(key: "data", value: .object(error.data))) }
        return .object(["jsonrpc": "2.0", "id": id, "error": .object(body)])
    }
}
