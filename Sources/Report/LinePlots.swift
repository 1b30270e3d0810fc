import Foundation

// The report's line plots.
extension Report {
    struct LineSeries {
        var cls: String
        var label: String
        var colour: String
        var dash: String?
        var points: [(x: Double, y: Double)]
    }

    static func linePlot(name: String, kind: String, title: String, x: Axis, y: Axis, series: [LineSeries]) -> Figure {
        let entries = series.map { s in
            LegendEntry(label: s.points.contains { x.drawable($0.x) && y.drawable($0.y) } ? s.label : s.label + " (nothing to draw)",
                        mark: .line(s.colour, s.dash, 2))
        }
        let width = 556.0, left = 72.0
        let key = legendRows(entries, x: left, y: 34, width: width - left - 16)
        let frame = Frame(width: width, height: 320 + key.height, left: left, right: 30, top: 38 + key.height, bottom: 48)
        let c = Canvas(frame: frame, x: x, y: y)
        var body = axes(c)
        var total = 0
        for s in series {
            // Pixel coordinates, split where a value cannot be drawn (NaN, infinite, ≤ 0 on a log axis).
            var segments: [[(Double, Double)]] = [[]]
            for p in s.points {
                if x.drawable(p.x) && y.drawable(p.y) {
                    segments[segments.count - 1].append((c.px(p.x), c.py(p.y)))
                } else if !segments[segments.count - 1].isEmpty {
                    segments.append([])
                }
            }
            segments.removeAll { $0.isEmpty }
            let drawable = segments.reduce(0) { $0 + $1.count }
            if drawable > maxLinePoints {
                // Gaps are kept unless there are so many that they would cost the budget.
                if segments.count > maxLinePoints / 10 { segments = [segments.flatMap { $0 }] }
                // A bucket shared by two segments and each segment's ends can add points: stay within budget.
                let buckets = max(1, (maxLinePoints - 4 * segments.count) / 2)
                segments = segments.map { thin($0, buckets: buckets, from: frame.x0, to: frame.x1) }
            }
            let count = segments.reduce(0) { $0 + $1.count }
            total += count
            var d = ""
            d.reserveCapacity(count * 12)
            for segment in segments {
                for (i, p) in segment.enumerated() {
                    d += i == 0 ? "M" : (i == 1 ? "L" : " ")
                    d += f1(p.0) + "," + f1(p.1)
                }
            }
            guard count > 0 else { continue }
            let dash = s.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            body += "<path class=\"series \(s.cls)\" data-points=\"\(count)\" d=\"\(d)\" fill=\"none\" stroke=\"\(s.colour)\" stroke-width=\"2\"\(dash) stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n"
            if count > 0 && count <= markerLimit {
                body += "<path class=\"markers \(s.cls)\" d=\"\(circles(segments.flatMap { $0 }, r: 2.8))\" fill=\"\(s.colour)\" stroke=\"#ffffff\" stroke-width=\"0.8\"/>\n"
            }
        }
        body += key.svg
        body += plotTitle(title, frame: frame)
        return Figure(name: name, svg: svg(kind: kind, title: title, frame: frame, points: total, body: body))
    }

    /// For drawing only: the first and last point and, per horizontal pixel bucket, the lowest and
    /// highest point, in their original order (so spikes and the envelope survive).
    static func thin(_ points: [(Double, Double)], buckets: Int, from x0: Double, to x1: Double) -> [(Double, Double)] {
        guard points.count > 2 else { return points }
        let width = max(x1 - x0, 1e-9)
        var low = [Int](repeating: -1, count: buckets), high = [Int](repeating: -1, count: buckets)
        for (i, p) in points.enumerated() {
            let b = min(max(Int((p.0 - x0) / width * Double(buckets)), 0), buckets - 1)
            if low[b] < 0 || p.1 < points[low[b]].1 { low[b] = i }
            if high[b] < 0 || p.1 > points[high[b]].1 { high[b] = i }
        }
        var keep = [Bool](repeating: false, count: points.count)
        keep[0] = true
        keep[points.count - 1] = true
        for b in 0..<buckets where low[b] >= 0 { keep[low[b]] = true; keep[high[b]] = true }
        return points.indices.filter { keep[$0] }.map { points[$0] }
    }
}
