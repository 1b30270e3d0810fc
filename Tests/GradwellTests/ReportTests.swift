import Foundation
import FoundationXML
import Testing

/// `gradwell report` on the logs of the examples: valid XHTML with inline SVG, the expected
/// plots, series and point counts.
@Suite struct ReportTests {
    final class Counter: NSObject, XMLParserDelegate {
        var plots: [String] = []
        var series: [(name: String, points: Int)] = []
        var scripts = 0
        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if element == "script" { scripts += 1 }
            if element == "svg", attributes["class"] == "plot" { plots.append(attributes["data-plot"] ?? "?") }
            if element == "path", let names = attributes["class"], names.hasPrefix("series ") {
                series.append((String(names.dropFirst(7)), Int(attributes["data-points"] ?? "") ?? -1))
            }
        }
    }

    func report(for example: String, extra: [String] = []) throws -> Counter {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("run.jsonl").path, html = directory.appendingPathComponent("report.html").path
        let record = Process()
        record.executableURL = URL(fileURLWithPath: hostBinary)
        record.arguments = ["--record", log]
        record.currentDirectoryURL = repositoryRoot
        record.standardInput = try FileHandle(forReadingFrom: repositoryRoot.appendingPathComponent("examples/\(example)"))
        record.standardOutput = FileHandle.nullDevice
        try record.run()
        record.waitUntilExit()
        let make = Process()
        make.executableURL = URL(fileURLWithPath: hostBinary)
        make.arguments = ["report", log, "-o", html, "--svg", directory.appendingPathComponent("svg").path] + extra
        make.currentDirectoryURL = repositoryRoot
        try make.run()
        make.waitUntilExit()
        #expect(make.terminationStatus == 0)
        let parser = try #require(XMLParser(contentsOf: URL(fileURLWithPath: html)))
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "valid XML: \(parser.parserError.map { "\($0)" } ?? "")")
        let svgs = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("svg").path)
        #expect(svgs.count == counter.plots.count, "one SVG file per plot")
        return counter
    }

    @Test func initializationReportHasCurvesAndBoundaries() throws {
        let counter = try report(for: "initialization.jsonl")
        #expect(counter.scripts == 0)
        #expect(counter.plots.filter { $0 == "cost" }.count == 3)
        #expect(counter.plots.filter { $0 == "boundary" }.count == 3)
        let costs = counter.series.filter { $0.name == "cost" }
        #expect(costs.count == 3 && costs.allSatisfy { $0.points == 16 }, "15000 epochs reported every 1000: 16 points")
        #expect(counter.series.contains { $0.name.hasPrefix("train label-") && $0.points > 0 })
        #expect(counter.series.contains { $0.name.hasPrefix("test label-") && $0.points > 0 })
    }

    @Test func searchAndDiagnosticsReports() throws {
        let search = try report(for: "search.jsonl")
        #expect(search.plots.filter { $0 == "search" }.count >= 4, "\(search.plots)")
        #expect(search.series.contains { $0.name == "best" })
        let batchnorm = try report(for: "batchnorm.jsonl", extra: ["--log-cost"])
        #expect(batchnorm.plots.filter { $0 == "grad-norms" }.count == 2)
        #expect(batchnorm.series.filter { $0.name.hasPrefix("grad_norm layer-") }.count >= 9)
    }
}
