import Foundation

// The report's axes and drawing.
extension Report {
    struct Figure {
        var name: String
        var svg: String
    }

    struct Frame {
        var width: Double, height: Double, left: Double, right: Double, top: Double, bottom: Double
        var x0: Double { left }
        var x1: Double { width - right }
        var y0: Double { top }
        var y1: Double { height - bottom }
    }

    struct Canvas {
        let frame: Frame
        let x: Axis
        let y: Axis
        func px(_ v: Double) -> Double { frame.x0 + x.fraction(v) * (frame.x1 - frame.x0) }
        func py(_ v: Double) -> Double { frame.y1 - y.fraction(v) * (frame.y1 - frame.y0) }
    }

    struct Axis {
        var isLog: Bool
        var lo: Double
        var hi: Double
        var ticks: [Double]
        var minor: [Double] = []
        var title: String
        /// Ticks at whole decades only.
        var decades = false

        /// 3 significant digits; decades as 10ⁿ when plain numbers would mix notations.
        var labels: [String] {
            let plain = tickLabels(ticks)
            guard decades, plain.contains(where: { $0.contains("e") }) else { return plain }
            let superscripts: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵",
                                                        "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
            return ticks.map { t in "10" + String(String(Int(Foundation.log10(t).rounded())).map { superscripts[$0] ?? $0 }) }
        }

        func fraction(_ v: Double) -> Double {
            let f = isLog ? (Foundation.log10(v) - Foundation.log10(lo)) / (Foundation.log10(hi) - Foundation.log10(lo)) : (v - lo) / (hi - lo)
            return f.isFinite ? f : 0.5
        }

        func drawable(_ v: Double) -> Bool { v.isFinite && (!isLog || v > 0) }

        func contains(_ v: Double) -> Bool {
            let a = isLog ? Foundation.log10(lo) : lo, b = isLog ? Foundation.log10(hi) : hi
            let w = isLog ? Foundation.log10(v) : v
            let eps = Swift.abs(b - a) * 1e-6
            return w >= Swift.min(a, b) - eps && w <= Swift.max(a, b) + eps
        }

        /// Ticks every 1, 2 or 5 × 10ⁿ; with `snap` the range widens to whole ticks.
        static func linear(_ values: [Double], title: String, snap: Bool = true, pad: Double = 0, integer: Bool = false) -> Axis {
            var lo = values.min() ?? 0, hi = values.max() ?? 1
            if lo == hi {
                let d = integer ? 1 : lo == 0 ? 1 : Swift.abs(lo) * 0.1
                lo = integer && lo >= 0 ? Swift.max(0, lo - d) : lo - d
                hi += d
            }
            var step = niceStep((hi - lo) / 5)
            if integer { step = Swift.max(step, 1) }
            guard step.isFinite, step > 0, (hi - lo).isFinite else {
                return Axis(isLog: false, lo: lo, hi: hi, ticks: [lo, hi], title: title)
            }
            if snap {
                lo = (lo / step + 1e-9).rounded(.down) * step
                hi = (hi / step - 1e-9).rounded(.up) * step
            }
            let first = (lo / step - 1e-9).rounded(.up), last = (hi / step + 1e-9).rounded(.down)
            var ticks: [Double] = []
            if last - first < 100 && last >= first {
                // Counted, not k += 1 on a double: near 10^18, adding 1 changes nothing.
                for i in 0...Int(last - first) { ticks.append((first + Double(i)) * step) }
            }
            let span = hi - lo
            return Axis(isLog: false, lo: lo - span * pad, hi: hi + span * pad, ticks: ticks, title: title)
        }

        /// Decades when the values span two or more; otherwise 1-2-5 (or finer) ticks.
        static func logarithmic(_ values: [Double], title: String, pad: Double = 0) -> Axis {
            let positive = values.filter { $0 > 0 && $0.isFinite }
            guard let low = positive.min(), let high = positive.max() else {
                return Axis(isLog: true, lo: 1, hi: 10, ticks: [1, 10], title: title)
            }
            var lo: Double, hi: Double, ticks: [Double], minor: [Double] = []
            let l0 = Foundation.log10(low), l1 = Foundation.log10(high)
            if l1 - l0 >= 2 {
                // Labelled ticks at decades; the range ends at the nearest 1, 2 or 5 × 10ⁿ.
                let d0 = Int((l0 + 1e-9).rounded(.down)), d1 = Int((l1 - 1e-9).rounded(.up))
                lo = floor125(low)
                hi = ceil125(high)
                let inside = { (t: Double) in t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9) }
                let every = Swift.max(1, Int((Double(d1 - d0) / 7).rounded(.up)))
                ticks = (d0...d1).filter { $0 % every == 0 }.map(power).filter(inside)
                if d1 - d0 <= 12 {
                    for d in d0..<d1 { for m in 2...9 where inside(Double(m) * power(d)) { minor.append(Double(m) * power(d)) } }
                }
            } else {
                lo = floor125(low)
                hi = ceil125(high)
                if lo >= hi { lo = floor125(lo * 0.999); hi = ceil125(hi * 1.001) }
                ticks = []
                let e0 = Int(Foundation.log10(lo).rounded(.down)) - 1, e1 = Int(Foundation.log10(hi).rounded(.up)) + 1
                for e in e0...e1 {
                    for m in [1.0, 2, 5] {
                        let t = m * power(e)
                        if t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9) { ticks.append(t) }
                    }
                }
                if ticks.count < 3 {
                    let step = niceStep((hi - lo) / 5)
                    let first = (lo / step - 1e-9).rounded(.up), last = (hi / step + 1e-9).rounded(.down)
                    if step > 0 && last - first < 100 {
                        ticks = stride(from: first, through: last, by: 1).map { $0 * step }.filter { $0 > 0 }
                    }
                }
            }
            if pad > 0 {
                let a = Foundation.log10(lo), b = Foundation.log10(hi), s = (b - a) * pad
                lo = Foundation.pow(10, a - s)
                hi = Foundation.pow(10, b + s)
            }
            return Axis(isLog: true, lo: lo, hi: hi, ticks: ticks, minor: minor, title: title, decades: l1 - l0 >= 2)
        }

        static func niceStep(_ raw: Double) -> Double {
            guard raw > 0, raw.isFinite else { return 1 }
            let magnitude = power(Int(Foundation.log10(raw).rounded(.down)))
            let f = raw / magnitude
            return (f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10) * magnitude
        }

        static func power(_ e: Int) -> Double { Foundation.pow(10, Double(e)) }

        /// The largest 1, 2 or 5 × 10ⁿ not above `v`.
        static func floor125(_ v: Double) -> Double {
            let e = Int(Foundation.log10(v).rounded(.down))
            var best = 0.0
            for d in (e - 1)...(e + 1) { for m in [1.0, 2, 5] where m * power(d) <= v * (1 + 1e-12) { best = Swift.max(best, m * power(d)) } }
            return best > 0 ? best : v
        }

        /// The smallest 1, 2 or 5 × 10ⁿ not below `v`.
        static func ceil125(_ v: Double) -> Double {
            let e = Int(Foundation.log10(v).rounded(.down))
            var best = Double.infinity
            for d in (e - 1)...(e + 1) { for m in [1.0, 2, 5] where m * power(d) >= v * (1 - 1e-12) { best = Swift.min(best, m * power(d)) } }
            return best.isFinite ? best : v
        }
    }

    /// Grid lines, ticks, tick labels, frame and axis titles.
    static func axes(_ c: Canvas, grid: Bool = true) -> String {
        let f = c.frame
        var s = "<g class=\"axes\" stroke-width=\"1\">\n"
        if grid {
            for m in c.y.minor where c.y.contains(m) {
                s += "<line x1=\"\(f1(f.x0))\" x2=\"\(f1(f.x1))\" y1=\"\(f1(c.py(m)))\" y2=\"\(f1(c.py(m)))\" stroke=\"#f0f0f0\"/>\n"
            }
            for m in c.x.minor where c.x.contains(m) {
                s += "<line x1=\"\(f1(c.px(m)))\" x2=\"\(f1(c.px(m)))\" y1=\"\(f1(f.y0))\" y2=\"\(f1(f.y1))\" stroke=\"#f0f0f0\"/>\n"
            }
        }
        // x ticks; labels thinned when they would overlap.
        let xTicks = c.x.ticks.filter(c.x.contains)
        let xLabels = zip(c.x.ticks, c.x.labels).filter { c.x.contains($0.0) }.map(\.1)
        var every = 1
        if xTicks.count > 1 {
            let widest = Double(xLabels.map(\.count).max() ?? 1) * 7 + 8
            let gap = abs(c.px(xTicks[1]) - c.px(xTicks[0]))
            while gap * Double(every) < widest && every < xTicks.count { every += 1 }
        }
        for (i, (t, label)) in zip(xTicks, xLabels).enumerated() {
            let p = c.px(t)
            if grid { s += "<line x1=\"\(f1(p))\" x2=\"\(f1(p))\" y1=\"\(f1(f.y0))\" y2=\"\(f1(f.y1))\" stroke=\"#dddddd\"/>\n" }
            s += "<line x1=\"\(f1(p))\" x2=\"\(f1(p))\" y1=\"\(f1(f.y1))\" y2=\"\(f1(f.y1 + 5))\" stroke=\"#444444\"/>\n"
            if i % every == 0 {
                s += "<text x=\"\(f1(p))\" y=\"\(f1(f.y1 + 18))\" text-anchor=\"middle\" fill=\"#333333\">\(esc(label))</text>\n"
            }
        }
        for (t, label) in zip(c.y.ticks, c.y.labels) where c.y.contains(t) {
            let p = c.py(t)
            if grid { s += "<line x1=\"\(f1(f.x0))\" x2=\"\(f1(f.x1))\" y1=\"\(f1(p))\" y2=\"\(f1(p))\" stroke=\"#dddddd\"/>\n" }
            s += "<line x1=\"\(f1(f.x0 - 5))\" x2=\"\(f1(f.x0))\" y1=\"\(f1(p))\" y2=\"\(f1(p))\" stroke=\"#444444\"/>\n"
            s += "<text x=\"\(f1(f.x0 - 8))\" y=\"\(f1(p + 4))\" text-anchor=\"end\" fill=\"#333333\">\(esc(label))</text>\n"
        }
        s += "<rect x=\"\(f1(f.x0))\" y=\"\(f1(f.y0))\" width=\"\(f1(f.x1 - f.x0))\" height=\"\(f1(f.y1 - f.y0))\" fill=\"none\" stroke=\"#666666\"/>\n"
        s += "<text class=\"axis-title x\" x=\"\(f1((f.x0 + f.x1) / 2))\" y=\"\(f1(f.height - 10))\" text-anchor=\"middle\" font-size=\"13\">\(esc(c.x.title))</text>\n"
        let ym = (f.y0 + f.y1) / 2
        s += "<text class=\"axis-title y\" x=\"16\" y=\"\(f1(ym))\" transform=\"rotate(-90 16 \(f1(ym)))\" text-anchor=\"middle\" font-size=\"13\">\(esc(c.y.title))</text>\n"
        return s + "</g>\n"
    }

    struct LegendEntry {
        enum Mark {
            case line(String, String?, Double)
            case marker(fill: String, stroke: String, width: Double, r: Double, opacity: Double)
            case cross(String)
        }
        var label: String
        var mark: Mark
    }

    /// A legend in rows (under the title), wrapped to `width`; `height` is the space it takes.
    static func legendRows(_ entries: [LegendEntry], x: Double, y: Double, width: Double) -> (svg: String, height: Double) {
        var placed: [(LegendEntry, Double, Double)] = []
        var cx = 0.0, row = 0
        for e in entries {
            let w = 32 + Double(e.label.count) * 7 + 16
            if cx > 0 && cx + w > width { row += 1; cx = 0 }
            placed.append((e, x + cx, y + Double(row) * 18))
            cx += w
        }
        return (legend(placed), entries.isEmpty ? 0 : Double(row + 1) * 18)
    }

    /// A legend in one column.
    static func legend(_ entries: [LegendEntry], x: Double, y: Double) -> String {
        legend(entries.enumerated().map { ($0.element, x, y + Double($0.offset) * 18) })
    }

    static func legend(_ placed: [(LegendEntry, Double, Double)]) -> String {
        var s = "<g class=\"legend\">\n"
        for (e, x, top) in placed {
            let cy = top + 9
            switch e.mark {
            case .line(let colour, let dash, let width):
                let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
                s += "<line x1=\"\(f1(x))\" x2=\"\(f1(x + 26))\" y1=\"\(f1(cy))\" y2=\"\(f1(cy))\" stroke=\"\(colour)\" stroke-width=\"\(width)\"\(d)/>\n"
            case .marker(let fill, let stroke, let width, let r, let opacity):
                s += "<circle cx=\"\(f1(x + 13))\" cy=\"\(f1(cy))\" r=\"\(r)\" fill=\"\(fill)\" fill-opacity=\"\(opacity)\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"/>\n"
            case .cross(let colour):
                s += "<path d=\"M\(f1(x + 9)),\(f1(cy - 4))L\(f1(x + 17)),\(f1(cy + 4))M\(f1(x + 9)),\(f1(cy + 4))L\(f1(x + 17)),\(f1(cy - 4))\" stroke=\"\(colour)\" stroke-width=\"1.6\" fill=\"none\"/>\n"
            }
            s += "<text x=\"\(f1(x + 32))\" y=\"\(f1(cy + 4))\">\(esc(e.label))</text>\n"
        }
        return s + "</g>\n"
    }

    /// The title above the plot, shortened to fit (the full title is the SVG's `<title>`).
    static func plotTitle(_ title: String, frame: Frame) -> String {
        let fits = Int((frame.width - 24) / 8.2)
        let shown = title.count > fits ? String(title.prefix(max(fits - 1, 1))) + "…" : title
        return "<text class=\"plot-title\" x=\"12\" y=\"22\" font-size=\"14\" font-weight=\"bold\">\(esc(shown))</text>\n"
    }

    static func svg(kind: String, title: String, frame: Frame, points: Int, body: String) -> String {
        let w = f1(frame.width), h = f1(frame.height)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-plot=\"\(kind)\" data-points=\"\(points)\" "
        s += "width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"\(fontFamily)\" font-size=\"12\" role=\"img\" aria-label=\"\(esc(title))\">\n"
        s += "<title>\(esc(title))</title>\n<rect width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>\n"
        return s + body + "</svg>"
    }

    /// Circles as one path (so a scatter series is a single element).
    static func circles(_ centres: [(Double, Double)], r: Double) -> String {
        var d = ""
        d.reserveCapacity(centres.count * 40)
        let rs = f1(r), dia = f1(2 * r)
        for (x, y) in centres {
            d += "M\(f1(x - r)),\(f1(y))a\(rs),\(rs) 0 1,0 \(dia),0a\(rs),\(rs) 0 1,0 -\(dia),0Z"
        }
        return d
    }

    /// `colour` mixed with white: `amount` 0 is white, 1 is the colour.
    static func tint(_ colour: String, _ amount: Double) -> String {
        let hex = Int(colour.dropFirst(), radix: 16) ?? 0
        let channels = [(hex >> 16) & 255, (hex >> 8) & 255, hex & 255].map { c -> Int in
            Int((255 + (Double(c) - 255) * min(max(amount, 0), 1)).rounded())
        }
        let digits = channels.map { c -> String in let s = String(c, radix: 16); return s.count == 1 ? "0" + s : s }
        return "#" + digits.joined()
    }
}
