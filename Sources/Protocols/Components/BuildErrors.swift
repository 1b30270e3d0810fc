/// A config that passed its schema but cannot be built (a bound that depends on another
/// parameter, a last layer the loss cannot work from), named by its field relative to the
/// config the builder was given: `center_high`, `layers[2].activation`. Numerics throw it; the
/// host answers -32602 at that field of the request.
public struct ConfigProblem: Error, Sendable, CustomStringConvertible {
    public var field: String
    public var expected: String
    public var got: String?

    public init(field: String, expected: String, got: String? = nil) {
        self.field = field
        self.expected = expected
        self.got = got
    }

    public var description: String { got.map { "\(field) must be \(expected), got \($0)" } ?? "\(field) must be \(expected)" }
}

/// Saved state (a layer's, a parameter's, the optimizer's) that does not fit what it is
/// restored into. Numerics throw it; the host answers -32004 naming the file.
public struct StateMismatch: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
