import CJansson
import GradwellProtocols

/// JSON text in and out. Parsing goes through jansson; writing is ours, because jansson prints
/// reals with 17 digits and refuses NaN: we print the shortest form that reads back to the same
/// double, and the caller decides what a non-finite number becomes.
enum JSON {
    /// Where and why a text is not JSON.
    struct ParseFailure: Error {
        var reason: String
        var line: Int
        var column: Int
        var position: Int
    }

    /// Parses one JSON text of any kind (object, array or scalar), refusing duplicate keys.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<ConfigValue, ParseFailure> {
        var error = json_error_t()
        let flags = Int(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL)
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer<CChar>(bitPattern: 1)!
        guard let root = json_loadb(base, bytes.count, flags, &error) else {
            let reason = withUnsafeBytes(of: &error.text) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            // jansson says line or column 0 when it fails before a first character (invalid
            // UTF-8 at the start, an empty text); lines and columns are 1-based.
            return .failure(ParseFailure(reason: reason, line: max(1, Int(error.line)), column: max(1, Int(error.column)),
                                         position: Int(error.position)))
        }
        defer { json_decref(root) }
        return .success(convert(root))
    }

    static func parse(_ bytes: [UInt8]) -> Result<ConfigValue, ParseFailure> {
        bytes.withUnsafeBytes { parse($0) }
    }

    private static func convert(_ value: UnsafeMutablePointer<json_t>) -> ConfigValue {
        switch value.pointee.type {
        case JSON_OBJECT:
            var entries: [ConfigEntry] = []
            var iterator = json_object_iter(value)
            while let current = iterator {
                let length = json_object_iter_key_len(current)
                let key = json_object_iter_key(current).withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
                entries.append(ConfigEntry(key: key, value: convert(json_object_iter_value(current))))
                iterator = json_object_iter_next(value, current)
            }
            return .object(entries)
        case JSON_ARRAY:
            let count = json_array_size(value)
            var items: [ConfigValue] = []
            items.reserveCapacity(count)
            for index in 0..<count { items.append(convert(json_array_get(value, index))) }
            return .array(items)
        case JSON_STRING:
            let length = json_string_length(value)
            let text = json_string_value(value).withMemoryRebound(to: UInt8.self, capacity: length) {
                String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
            }
            return .string(text)
        case JSON_INTEGER:
            return .int(Int(json_integer_value(value)))
        case JSON_REAL:
            return .number(json_real_value(value))
        case JSON_TRUE:
            return .bool(true)
        case JSON_FALSE:
            return .bool(false)
        default:
            return .null
        }
    }

    // MARK: - Writing

    /// One line of compact JSON (no newline). Non-finite numbers are written as null.
    static func encode(_ value: ConfigValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    static func write(_ value: ConfigValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let d): out += format(d)
        case .string(let s): writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let entries):
            out += "{"
            for (index, entry) in entries.enumerated() {
                if index > 0 { out += "," }
                writeString(entry.key, to: &out)
                out += ":"
                write(entry.value, to: &out)
            }
            out += "}"
        }
    }

    /// The shortest text that reads back as `value` ("0.1", "1e-07", "3.0"); null when not finite.
    static func format(_ value: Double) -> String {
        value.isFinite ? value.description : "null"
    }

    /// The shortest text that reads back as the float32 `value`.
    static func format(_ value: Float) -> String {
        value.isFinite ? value.description : "null"
    }

    static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
