import Foundation
import Testing

/// PROTOCOL.md is the contract with clients in other languages, and its examples are meant to be
/// exact. The sections whose examples form a session of their own (no files, flags or state from
/// another section) are replayed here against the real binary: every `->` line is sent, in
/// order, to one fresh host, and every answer and notification must be the `<-` line the
/// document shows (as JSON values; `wall_ms` and `started` measure time, not results).
@Suite struct ProtocolDocumentTests {
    /// Sections replayed (their headings' numbers).
    static let sections = ["6.1", "6.3", "6.4", "6.5", "6.11", "6.15", "6.16", "6.17", "6.18", "6.21", "9."]

    struct Section: CustomStringConvertible, Sendable {
        var title: String
        var requests: [String]
        var answers: [String]
        var description: String { title }
    }

    static func documentSections() throws -> [Section] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("plugins-spec/PROTOCOL.md"), encoding: .utf8)
        var sections: [Section] = []
        var current: Section?
        var inCode = false
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("## ") || line.hasPrefix("### ") {
                if let current { sections.append(current) }
                current = Section(title: line, requests: [], answers: [])
                inCode = false
                continue
            }
            if line.hasPrefix("```") || line.hasPrefix("   ```") { inCode.toggle(); continue }
            guard inCode else { continue }
            if line.hasPrefix("-> ") { current?.requests.append(String(line.dropFirst(3))) }
            if line.hasPrefix("<- ") { current?.answers.append(String(line.dropFirst(3))) }
        }
        if let current { sections.append(current) }
        return sections.filter { section in
            Self.sections.contains { section.title.hasPrefix("### \($0) ") || section.title.hasPrefix("## \($0) ") }
        }
    }

    static func comparable(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            return object.filter { $0.key != "wall_ms" && $0.key != "started" && $0.key != "machine" }.mapValues(comparable)
        }
        if let array = value as? [Any] { return array.map(comparable) }
        return value
    }

    /// Equal as JSON values; reals within a relative 1e-6, since the BLAS kernel a machine runs
    /// moves a float64 result's last bits (the document's figures came from one machine); a
    /// changed significant digit still fails.
    static func same(_ a: Any, _ b: Any) -> Bool {
        if let x = a as? [String: Any], let y = b as? [String: Any] {
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        }
        if let x = a as? [Any], let y = b as? [Any] { return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) } }
        if let x = a as? NSNumber, let y = b as? NSNumber {
            let p = x.doubleValue, q = y.doubleValue
            if p == q { return true }
            return abs(p - q) <= 1e-6 * max(abs(p), abs(q))
        }
        return NSDictionary(dictionary: ["v": a]).isEqual(to: ["v": b])
    }

    @Test func everyListedSectionIsFound() throws {
        #expect(try Self.documentSections().count == Self.sections.count)
    }

    @Test(arguments: try ProtocolDocumentTests.documentSections())
    func examplesReproduceExactly(_ section: Section) throws {
        #expect(!section.requests.isEmpty && !section.answers.isEmpty)
        // The examples of §9 save into /tmp/gwdoc.
        try FileManager.default.createDirectory(atPath: "/tmp/gwdoc", withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: hostBinary)
        process.currentDirectoryURL = repositoryRoot
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(section.requests.map { $0 + "\n" }.joined().utf8))
        try input.fileHandleForWriting.close()
        let produced = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .components(separatedBy: "\n").filter { !$0.isEmpty }
        process.waitUntilExit()
        #expect(produced.count == section.answers.count, "\(section.title): \(produced.count) lines, the document shows \(section.answers.count)")
        for (expected, got) in zip(section.answers, produced) {
            let a = try JSONSerialization.jsonObject(with: Data(expected.utf8), options: [.fragmentsAllowed])
            let b = try JSONSerialization.jsonObject(with: Data(got.utf8), options: [.fragmentsAllowed])
            #expect(Self.same(Self.comparable(a), Self.comparable(b)),
                    "\(section.title)\n  document: \(expected.prefix(400))\n  host:     \(got.prefix(400))")
        }
    }
}
