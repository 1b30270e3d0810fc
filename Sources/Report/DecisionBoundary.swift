import Foundation

// The report's decision boundary.
extension Report {
    static func boundaryFigure(_ b: ReportBoundary, name: String, title: String) -> Figure {
        let binary = b.classes <= 2
        let xEdges = edges(b.xs), yEdges = edges(b.ys)
        let points = b.trainPoints + b.testPoints
        let xAll = (xEdges + points.map(\.x)).filter(\.isFinite)
        let yAll = (yEdges + points.map(\.y)).filter(\.isFinite)
        let pad = b.xs.isEmpty || b.ys.isEmpty ? 0.05 : 0
        let x = Axis.linear(xAll, title: "feature 0", snap: false, pad: pad)
        let y = Axis.linear(yAll, title: "feature 1", snap: false, pad: pad)
        let frame = Frame(width: 556, height: 450, left: 60, right: 146, top: 36, bottom: 48)
        let c = Canvas(frame: frame, x: x, y: y)
        func value(_ row: Int, _ col: Int) -> Double {
            row < b.values.count && col < b.values[row].count ? b.values[row][col] : .nan
        }
        func colour(_ v: Double) -> String {
            guard v.isFinite else { return "#dddddd" }
            if binary {
                let p = (min(max(v, 0), 1) * 20).rounded() / 20
                return p < 0.5 ? tint(palette[0], (0.5 - p) * 2 * 0.6) : tint(palette[1], (p - 0.5) * 2 * 0.6)
            }
            let k = Int(v.rounded())
            return k < 0 ? "#dddddd" : tint(palette[k % palette.count], 0.4)
        }

        // Heat map: one rectangle per run of equally coloured cells in a row.
        var body = "<g class=\"heatmap\" shape-rendering=\"crispEdges\" data-cells=\"\(b.xs.count * b.ys.count)\">\n"
        if !b.xs.isEmpty && !b.ys.isEmpty {
            let xp = xEdges.map(c.px), yp = yEdges.map(c.py)
            for row in 0..<b.ys.count {
                let top = min(yp[row], yp[row + 1]), height = abs(yp[row + 1] - yp[row])
                var col = 0
                while col < b.xs.count {
                    let fill = colour(value(row, col))
                    var end = col + 1
                    while end < b.xs.count && colour(value(row, end)) == fill { end += 1 }
                    let left = min(xp[col], xp[end])
                    body += "<rect x=\"\(f1(left))\" y=\"\(f1(top))\" width=\"\(f1(abs(xp[end] - xp[col]) + 0.4))\" height=\"\(f1(height + 0.4))\" fill=\"\(fill)\"/>\n"
                    col = end
                }
            }
        }
        body += "</g>\n"
        body += axes(c, grid: false)

        // Boundary lines.
        var d = ""
        if binary {
            for (a, p) in contour(xs: b.xs, ys: b.ys, level: 0.5, value: value) {
                d += "M\(f1(c.px(a.0))),\(f1(c.py(a.1)))L\(f1(c.px(p.0))),\(f1(c.py(p.1)))"
            }
        } else if !b.xs.isEmpty && !b.ys.isEmpty {
            func cls(_ r: Int, _ k: Int) -> Int? { let v = value(r, k); return v.isFinite ? Int(v.rounded()) : nil }
            for row in 0..<b.ys.count {
                for col in 0..<b.xs.count {
                    if col + 1 < b.xs.count, cls(row, col) != cls(row, col + 1) {
                        let xe = c.px(xEdges[col + 1])
                        d += "M\(f1(xe)),\(f1(c.py(yEdges[row])))L\(f1(xe)),\(f1(c.py(yEdges[row + 1])))"
                    }
                    if row + 1 < b.ys.count, cls(row, col) != cls(row + 1, col) {
                        let ye = c.py(yEdges[row + 1])
                        d += "M\(f1(c.px(xEdges[col]))),\(f1(ye))L\(f1(c.px(xEdges[col + 1]))),\(f1(ye))"
                    }
                }
            }
        }
        if !d.isEmpty {
            body += "<path class=\"contour\" d=\"\(d)\" fill=\"none\" stroke=\"#222222\" stroke-width=\"1.6\" stroke-linecap=\"round\"/>\n"
        }

        // Points: training filled, test hollow, coloured by label.
        var drawn = 0
        let labels = Set(points.map(\.label)).sorted()
        for (set, pts) in [("train", b.trainPoints), ("test", b.testPoints)] {
            for label in labels {
                let centres = pts.filter { $0.label == label && x.drawable($0.x) && y.drawable($0.y) }.map { (c.px($0.x), c.py($0.y)) }
                guard !centres.isEmpty else { continue }
                drawn += centres.count
                let hue = label >= 0 ? palette[label % palette.count] : "#777777"
                let style = set == "train"
                    ? "fill=\"\(hue)\" stroke=\"#000000\" stroke-width=\"0.7\""
                    : "fill=\"#ffffff\" stroke=\"\(hue)\" stroke-width=\"2\""
                body += "<path class=\"series \(set) label-\(label)\" data-points=\"\(centres.count)\" d=\"\(circles(centres, r: 3.6))\" \(style)/>\n"
            }
        }

        // Legend.
        var entries: [LegendEntry] = []
        let shownClasses = binary ? [0, 1] : Array(Set(labels + Array(0..<max(b.classes, 0))).sorted().prefix(10))
        for k in shownClasses {
            entries.append(LegendEntry(label: "class \(k)", mark: .marker(fill: k >= 0 ? palette[k % palette.count] : "#777777", stroke: "#000000", width: 0.7, r: 4.5, opacity: 1)))
        }
        entries.append(LegendEntry(label: "training point", mark: .marker(fill: "#888888", stroke: "#000000", width: 0.7, r: 4, opacity: 1)))
        entries.append(LegendEntry(label: "test point", mark: .marker(fill: "#ffffff", stroke: "#555555", width: 2, r: 4, opacity: 1)))
        if !d.isEmpty {
            entries.append(LegendEntry(label: binary ? "P(class 1) = 0.5" : "class boundary", mark: .line("#222222", nil, 1.6)))
        }
        body += legend(entries, x: frame.x1 + 14, y: frame.y0 + 4)
        if binary {
            // Colour key for P(class 1).
            let lx = frame.x1 + 14, ly = frame.y0 + 4 + Double(entries.count) * 18 + 16
            body += "<g class=\"colour-key\">\n<text x=\"\(f1(lx))\" y=\"\(f1(ly))\">P(class 1)</text>\n"
            for i in 0...10 {
                body += "<rect x=\"\(f1(lx + Double(i) * 10))\" y=\"\(f1(ly + 6))\" width=\"10\" height=\"12\" fill=\"\(colour(Double(i) / 10))\"/>\n"
            }
            body += "<rect x=\"\(f1(lx))\" y=\"\(f1(ly + 6))\" width=\"110\" height=\"12\" fill=\"none\" stroke=\"#888888\" stroke-width=\"0.6\"/>\n"
            body += "<text x=\"\(f1(lx))\" y=\"\(f1(ly + 32))\" font-size=\"11\">0</text>"
            body += "<text x=\"\(f1(lx + 55))\" y=\"\(f1(ly + 32))\" font-size=\"11\" text-anchor=\"middle\">0.5</text>"
            body += "<text x=\"\(f1(lx + 110))\" y=\"\(f1(ly + 32))\" font-size=\"11\" text-anchor=\"end\">1</text>\n</g>\n"
        }
        body += plotTitle(title, frame: frame)
        return Figure(name: name, svg: svg(kind: "boundary", title: title, frame: frame, points: drawn, body: body))
    }

    /// Cell edges around grid sample points: midpoints, and half a step beyond each end.
    static func edges(_ v: [Double]) -> [Double] {
        guard v.count > 1 else { return v.isEmpty ? [] : [v[0] - 0.5, v[0] + 0.5] }
        var e = [v[0] - (v[1] - v[0]) / 2]
        for i in 1..<v.count { e.append((v[i - 1] + v[i]) / 2) }
        e.append(v[v.count - 1] + (v[v.count - 1] - v[v.count - 2]) / 2)
        return e
    }

    /// Marching squares: the segments of the `level` line of a gridded function, in data coordinates.
    static func contour(xs: [Double], ys: [Double], level: Double,
                                value: (Int, Int) -> Double) -> [((Double, Double), (Double, Double))] {
        guard xs.count > 1, ys.count > 1 else { return [] }
        var segments: [((Double, Double), (Double, Double))] = []
        for row in 0..<(ys.count - 1) {
            for col in 0..<(xs.count - 1) {
                // Corners counter-clockwise from (col, row).
                let corners = [(col, row), (col + 1, row), (col + 1, row + 1), (col, row + 1)]
                let v = corners.map { value($0.1, $0.0) }
                guard v.allSatisfy(\.isFinite) else { continue }
                let above = v.map { $0 > level }
                func crossing(_ e: Int) -> (Double, Double)? {
                    let a = e, b = (e + 1) % 4
                    guard above[a] != above[b] else { return nil }
                    let t = (level - v[a]) / (v[b] - v[a])
                    let pa = (xs[corners[a].0], ys[corners[a].1]), pb = (xs[corners[b].0], ys[corners[b].1])
                    return (pa.0 + t * (pb.0 - pa.0), pa.1 + t * (pb.1 - pa.1))
                }
                let cross = (0..<4).map(crossing)
                let hits = cross.compactMap { $0 }
                if hits.count == 2 {
                    segments.append((hits[0], hits[1]))
                } else if hits.count == 4, let e0 = cross[0], let e1 = cross[1], let e2 = cross[2], let e3 = cross[3] {
                    // Saddle: the centre decides which corners connect.
                    let centreAbove = v.reduce(0, +) / 4 > level
                    if centreAbove == above[0] {
                        segments.append((e0, e1)); segments.append((e2, e3))
                    } else {
                        segments.append((e3, e0)); segments.append((e1, e2))
                    }
                }
            }
        }
        return segments
    }
}
