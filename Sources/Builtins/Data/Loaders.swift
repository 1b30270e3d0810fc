import Foundation
import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// Where and why a data file could not be read: the host reports it as -32004 with these.
public struct DataFileError: Error, Sendable {
    public var message: String
    public var line: Int?
    public var column: Int?
    public var offset: Int?
    /// The file is well formed but larger than the element bound allows.
    public var exceedsLimit = false

    init(_ message: String, line: Int? = nil, column: Int? = nil, offset: Int? = nil) {
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
    }
}

/// A table of numbers read from a file: row-major values with their shape.
public struct NumericTable: Sendable {
    public var values: [Double]
    /// The values as read, when the file held float32 (then `values` is empty): kept narrow.
    public var float32Values: [Float]?
    public var rows: Int
    public var columns: Int

    /// Every value as float64 (float32 ones widened exactly).
    public var wideValues: [Double] { float32Values.map { $0.map(Double.init) } ?? values }

    public init(values: [Double], rows: Int, columns: Int) {
        self.values = values
        self.rows = rows
        self.columns = columns
    }
}

/// Readers for the data formats `dataset/load` accepts. They parse bytes the host has read
/// and check every size against `maxElements` before allocating.
public enum DataLoaders {
    // MARK: - CSV

    /// A CSV file with a header row and numeric cells. Returns the header and the table.
    /// Ragged rows, non-numeric and non-finite cells are errors naming line and column (1-based).
    public static func csv(_ bytes: [UInt8], maxElements: Int) throws -> (header: [String], table: NumericTable) {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }
        while let last = lines.last, last.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { lines.removeLast() }
        guard let headerLine = lines.first else { throw DataFileError("the file is empty; expected a header row", line: 1) }
        let header = cells(headerLine).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \t\"")) }
        let columns = header.count
        guard Double(lines.count - 1) * Double(columns) <= Double(maxElements) else {
            var error = DataFileError("the file holds more than \(maxElements) values (raise --max-elements)"); error.exceedsLimit = true; throw error
        }
        var values: [Double] = []
        values.reserveCapacity((lines.count - 1) * columns)
        for (index, line) in lines.enumerated().dropFirst() {
            let fields = cells(line)
            guard fields.count == columns else {
                throw DataFileError("row has \(fields.count) cells, the header has \(columns)", line: index + 1, column: min(fields.count, columns) + 1)
            }
            for (c, field) in fields.enumerated() {
                let text = String(decoding: field, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \t\""))
                // Decimal numbers only: Double(_:) would also take hexadecimal ("0x1p3"), and
                // stop at a NUL byte ("2\u{0}9" read as 2).
                guard text.utf8.allSatisfy(Self.isDecimalByte), let value = Double(text) else {
                    throw DataFileError("'\(Self.excerpt(text))' is not a number", line: index + 1, column: c + 1)
                }
                guard value.isFinite else { throw DataFileError("\(Self.excerpt(text)) is not a finite number", line: index + 1, column: c + 1) }
                values.append(value)
            }
        }
        return (header, NumericTable(values: values, rows: lines.count - 1, columns: columns))
    }

    private static func isDecimalByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || byte == 0x2B || byte == 0x2D || byte == 0x2E || byte == 0x65 || byte == 0x45
    }

    /// A cell as quoted in an error message: at most 40 characters, NULs and controls escaped.
    private static func excerpt(_ text: String) -> String {
        let head = text.unicodeScalars.prefix(40).map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        return text.unicodeScalars.count > 40 ? head + "…" : head
    }

    private static func cells(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
    }

    // MARK: - NPY

    /// NumPy's .npy format, versions 1 to 3: little-endian float32/float64/integers, C order,
    /// one to four dimensions (every axis after the first flattened into the row). Big-endian and Fortran-order files are refused, not misread.
    public static func npy(_ bytes: [UInt8], maxElements: Int) throws -> NumericTable {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw DataFileError("not a .npy file (bad magic)", offset: 0) }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw DataFileError("truncated header", offset: bytes.count) }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw DataFileError("unsupported .npy version \(major)", offset: 6)
        }
        guard bytes.count >= headerStart + headerLength else {
            throw DataFileError("the header promises \(headerLength) bytes, the file ends first", offset: bytes.count)
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field(header, "descr"), let fortran = field(header, "fortran_order"), let shapeText = field(header, "shape") else {
            throw DataFileError("the header lacks descr, fortran_order or shape", offset: headerStart)
        }
        let type = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        guard fortran.trimmingCharacters(in: .whitespaces) == "False" else {
            throw DataFileError("Fortran-order arrays are not supported; save with np.ascontiguousarray", offset: headerStart)
        }
        guard let kind = type.first, kind == "<" || kind == "|" else {
            throw DataFileError("\(type): big-endian arrays are not supported; convert with arr.astype(arr.dtype.newbyteorder('<'))", offset: headerStart)
        }
        let code = String(type.dropFirst())
        let size: Int
        switch code {
        case "f4", "i4", "u4": size = 4
        case "f8", "i8", "u8": size = 8
        case "i2", "u2": size = 2
        case "i1", "u1", "b1": size = 1
        default: throw DataFileError("dtype \(type) is not supported (float32/64 and integers are)", offset: headerStart)
        }
        let dimensions = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard (1...4).contains(dimensions.count), let shape = Optional(dimensions.compactMap { Int($0) }), shape.count == dimensions.count,
              shape.allSatisfy({ $0 >= 0 }) else {
            throw DataFileError("shape \(shapeText) is not one to four dimensions", offset: headerStart)
        }
        // Rows along the first axis; the others are flattened into each row in C order (a
        // (N, C, L) or (N, C, H, W) array is N rows of C·L or C·H·W channel-first features).
        let total = shape.reduce(1.0) { $0 * Double($1) }
        guard total <= Double(maxElements) else {
            var error = DataFileError("the array holds \(total) values, more than \(maxElements) (raise --max-elements)", offset: headerStart); error.exceedsLimit = true; throw error
        }
        let rows = shape[0], columns = shape.dropFirst().reduce(1, *)
        let dataStart = headerStart + headerLength
        let needed = rows * columns * size
        guard bytes.count - dataStart >= needed else {
            throw DataFileError("the header promises \(needed) bytes of data, the file has \(bytes.count - dataStart)", offset: bytes.count)
        }
        if code == "f4" {
            var narrow = [Float](repeating: 0, count: rows * columns)
            bytes.withUnsafeBytes { raw in
                for i in 0..<narrow.count {
                    narrow[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: dataStart + i * 4, as: UInt32.self)))
                }
            }
            if let bad = narrow.firstIndex(where: { !$0.isFinite }) {
                throw DataFileError("row \(bad / max(columns, 1)), column \(bad % max(columns, 1)) is not finite", offset: dataStart + bad * size)
            }
            var table = NumericTable(values: [], rows: rows, columns: columns)
            table.float32Values = narrow
            return table
        }
        var values = [Double](repeating: 0, count: rows * columns)
        bytes.withUnsafeBytes { raw in
            for i in 0..<values.count {
                let at = dataStart + i * size
                switch code {
                case "f4": values[i] = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
                case "f8": values[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
                case "i8": values[i] = Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                case "u8": values[i] = Double(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
                case "i4": values[i] = Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
                case "u4": values[i] = Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                case "i2": values[i] = Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int16.self)))
                case "u2": values[i] = Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
                case "i1": values[i] = Double(Int8(bitPattern: raw[at]))
                default: values[i] = Double(raw[at])
                }
            }
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw DataFileError("row \(bad / max(columns, 1)), column \(bad % max(columns, 1)) is not finite", offset: dataStart + bad * size)
        }
        return NumericTable(values: values, rows: rows, columns: columns)
    }

    /// The text of `key`'s value in a .npy header dict ("{'descr': '<f8', ...}").
    private static func field(_ header: String, _ key: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") else { return nil }
        var rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return String(rest).trimmingCharacters(in: .whitespaces)
    }

    // MARK: - IDX

    /// The IDX format of MNIST: big-endian header (0, 0, type, dimensions), then the data.
    /// Every dimension after the first is flattened into features; unsigned bytes are scaled
    /// to [0, 1] when `scaleBytes`.
    public static func idx(_ bytes: [UInt8], scaleBytes: Bool, maxElements: Int) throws -> NumericTable {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else { throw DataFileError("not an IDX file (bad magic)", offset: 0) }
        let type = bytes[2], dimensionCount = Int(bytes[3])
        let size: Int
        switch type {
        case 0x08, 0x09: size = 1
        case 0x0B: size = 2
        case 0x0C, 0x0D: size = 4
        case 0x0E: size = 8
        default: throw DataFileError("unknown IDX data type 0x\(String(type, radix: 16))", offset: 2)
        }
        guard dimensionCount >= 1 else { throw DataFileError("an IDX file needs at least one dimension", offset: 3) }
        let headerEnd = 4 + 4 * dimensionCount
        guard bytes.count >= headerEnd else { throw DataFileError("the header ends early", offset: bytes.count) }
        let dimensions = (0..<dimensionCount).map { d in
            (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) }
        }
        let rows = dimensions[0]
        // In Double first: 255 dimensions of 2^32 - 1 overflow an Int.
        let columnCount = dimensions.dropFirst().reduce(1.0) { $0 * Double($1) }
        guard columnCount <= Double(maxElements), Double(rows) * columnCount <= Double(maxElements) else {
            let shape = dimensions.map(String.init).joined(separator: " × ")
            var error = DataFileError("the file holds \(shape) values, more than \(maxElements) (raise --max-elements)", offset: 4); error.exceedsLimit = true; throw error
        }
        let columns = dimensions.dropFirst().reduce(1, *)
        let needed = rows * columns * size
        guard bytes.count - headerEnd >= needed else {
            throw DataFileError("the header promises \(needed) bytes of data, the file has \(bytes.count - headerEnd)", offset: bytes.count)
        }
        var values = [Double](repeating: 0, count: rows * columns)
        for i in 0..<values.count {
            let at = headerEnd + i * size
            var word: UInt64 = 0
            for b in 0..<size { word = word << 8 | UInt64(bytes[at + b]) }
            switch type {
            case 0x08: values[i] = scaleBytes ? Double(word) / 255 : Double(word)
            case 0x09: values[i] = Double(Int8(bitPattern: UInt8(word)))
            case 0x0B: values[i] = Double(Int16(bitPattern: UInt16(word)))
            case 0x0C: values[i] = Double(Int32(bitPattern: UInt32(word)))
            case 0x0D: values[i] = Double(Float(bitPattern: UInt32(word)))
            default: values[i] = Double(bitPattern: word)
            }
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw DataFileError("value \(bad) is not finite", offset: headerEnd + bad * size)
        }
        return NumericTable(values: values, rows: rows, columns: columns)
    }
}
