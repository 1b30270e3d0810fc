/// An error a request can end with: a code from the wire protocol, a sentence a person can act
/// on, and the path of the offending field (`params.layers[1].units`).
public struct GradwellError: Error, Sendable, CustomStringConvertible {
    public enum Code: Int, Sendable {
        case parseError = -32700
        case invalidRequest = -32600
        case methodNotFound = -32601
        case invalidParams = -32602
        case internalError = -32603
        case unknownComponent = -32001
        case resourceLimit = -32002
        case notFound = -32003
        case io = -32004
        case cancelled = -32005
    }

    public var code: Code
    public var message: String
    /// Extra structured data for `error.data` (path, expected, available, ...), in order.
    public var data: [ConfigEntry]

    public init(_ code: Code, _ message: String, data: [ConfigEntry] = []) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { message }

    /// A field had the wrong type or value: "`path` must be `expected`, got `got`".
    public static func invalid(_ path: String, expected: String, got: String? = nil) -> GradwellError {
        let message = got.map { "\(path) must be \(expected), got \($0)" } ?? "\(path) must be \(expected)"
        return GradwellError(.invalidParams, message,
                             data: [ConfigEntry(key: "path", value: .string(path)),
                                    ConfigEntry(key: "expected", value: .string(expected))])
    }

    /// A required field is absent.
    public static func missing(_ path: String, expected: String) -> GradwellError {
        GradwellError(.invalidParams, "\(path) is required (\(expected))",
                      data: [ConfigEntry(key: "path", value: .string(path)),
                             ConfigEntry(key: "expected", value: .string(expected))])
    }

    /// A name that no registered component of `kind` has.
    /// The message suggests the closest available name when the name looks like a typo of one
    /// (`data.suggestion`).
    public static func unknownComponent(_ path: String, kind: String, name: String, available: [String]) -> GradwellError {
        let suggestion = Suggestion.closest(to: name, in: available)
        let hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
        return GradwellError(.unknownComponent,
                      "\(path): unknown \(kind) '\(name)'\(hint) (available: \(available.joined(separator: ", ")))",
                      data: [ConfigEntry(key: "path", value: .string(path)),
                             ConfigEntry(key: "kind", value: .string(kind)),
                             ConfigEntry(key: "name", value: .string(name)),
                             ConfigEntry(key: "available", value: .array(available.map { .string($0) }))]
                             + (suggestion.map { [ConfigEntry(key: "suggestion", value: .string($0))] } ?? []))
    }

    /// A request would exceed a configured bound.
    public static func resourceLimit(_ path: String, _ message: String, limit: Int, requested: Double) -> GradwellError {
        GradwellError(.resourceLimit, "\(path): \(message)",
                      data: [ConfigEntry(key: "path", value: .string(path)),
                             ConfigEntry(key: "limit", value: .int(limit)),
                             ConfigEntry(key: "requested", value: .number(requested))])
    }

    /// A named data set, model or file that does not exist.
    public static func notFound(_ path: String, kind: String, name: String, available: [String]? = nil) -> GradwellError {
        var data = [ConfigEntry(key: "path", value: .string(path)), ConfigEntry(key: "kind", value: .string(kind)),
                    ConfigEntry(key: "name", value: .string(name))]
        var message = "\(path): no \(kind) named '\(name)'"
        if let available {
            data.append(ConfigEntry(key: "available", value: .array(available.map { .string($0) })))
            if let suggestion = Suggestion.closest(to: name, in: available) {
                message += "; did you mean '\(suggestion)'?"
                data.append(ConfigEntry(key: "suggestion", value: .string(suggestion)))
            }
            message += available.isEmpty ? " (there are none yet)" : " (known: \(available.joined(separator: ", ")))"
        }
        return GradwellError(.notFound, message, data: data)
    }
}
