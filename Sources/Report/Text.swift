import Foundation

// The report's text.
extension Report {
    /// Swift's shortest representation that reads back as the same Double; a missing value
    /// (null in the log, NaN here) as a dash, infinities as ∞.
    static func shortest(_ v: Double) -> String { v.isFinite ? "\(v)" : v.isNaN ? "—" : (v > 0 ? "∞" : "−∞") }

    /// Tables: 6 significant digits (a reader compares figures; the log keeps every bit).
    static func tableNumber(_ v: Double) -> String { significant(v, 6) }

    /// Ticks: 3 significant digits, more only when two labels would otherwise read the same.
    static func tickLabels(_ ticks: [Double]) -> [String] {
        for digits in 3...17 {
            let labels = ticks.map { significant($0, digits) }
            if Set(labels).count == labels.count { return labels }
        }
        return ticks.map(shortest)
    }

    /// `v` to `digits` significant digits: plain notation from 1e-4 to 1e6, else `1.5e-7`.
    static func significant(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return shortest(v) }
        guard v != 0 else { return "0" }
        var e = Int(log10(abs(v)).rounded(.down))
        let scale = pow(10, Double(e - digits + 1))
        let r = (v / scale).rounded() * scale
        if r != 0 { e = Int(log10(abs(r)).rounded(.down)) }
        if e >= -4 && e < 6 {
            var s = String(format: "%.\(max(0, digits - 1 - e))f", r)
            if s.contains(".") {
                while s.hasSuffix("0") { s.removeLast() }
                if s.hasSuffix(".") { s.removeLast() }
            }
            return s == "-0" ? "0" : s
        }
        let parts = String(format: "%.\(digits - 1)e", r).split(separator: "e")
        var mantissa = String(parts.first ?? "")
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        return "\(mantissa)e\(exponent)"
    }

    /// Pixel coordinates: one decimal.
    static func f1(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let tenths = (v * 10).rounded()
        if tenths.magnitude >= 1e15 { return String(Int(v)) }
        let t = Int(tenths)
        let sign = t < 0 ? "-" : ""
        let a = abs(t)
        return a % 10 == 0 ? sign + String(a / 10) : sign + String(a / 10) + "." + String(a % 10)
    }

    /// Text and attribute values for XML: markup characters escaped, characters XML forbids replaced.
    static func esc(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (0x7F...0x9F).contains(v) || v == 0xFFFE || v == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A file-name fragment: `[A-Za-z0-9._-]` only.
    static func slug(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || scalar == "." || scalar == "_" || scalar == "-"
            if ok { out.unicodeScalars.append(scalar) } else if !out.hasSuffix("-") { out += "-" }
        }
        while out.hasPrefix("-") || out.hasPrefix(".") { out.removeFirst() }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "x" : String(out.prefix(80))
    }

    static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
