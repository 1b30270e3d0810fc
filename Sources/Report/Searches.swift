import Foundation

// The report's searches.
extension Report {
    static func keys(_ s: ReportSearch) -> [String] {
        var seen = Set<String>(), order: [String] = []
        for trial in s.trials { for (key, _) in trial.config where seen.insert(key).inserted { order.append(key) } }
        return order
    }

    /// Per search, one plot per searched key; plots of the same metric and key share their axes.
    static func searchFigures(_ searches: [ReportSearch]) -> [[(key: String, figure: Figure)]] {
        var xValues: [String: [Double]] = [:], logKey: [String: Bool] = [:], yValues: [String: [Double]] = [:]
        for s in searches {
            for trial in s.trials {
                for (key, value) in trial.config where value.isFinite {
                    xValues[s.metric + "\u{0}" + key, default: []].append(value)
                    logKey[s.metric + "\u{0}" + key, default: false] = logKey[s.metric + "\u{0}" + key, default: false] || s.logScaled.contains(key)
                }
                if let o = trial.objective, o.isFinite { yValues[s.metric, default: []].append(o) }
            }
        }
        var yAxes: [String: Axis] = [:]
        for (metric, values) in yValues {
            let title = metric.isEmpty ? "objective" : metric
            if let low = values.min(), let high = values.max(), low > 0, high / low >= 100 {
                yAxes[metric] = Axis.logarithmic(values, title: title + " (log scale)", pad: 0.05)
            } else {
                yAxes[metric] = Axis.linear(values, title: title, pad: 0.05)
            }
        }
        var xAxes: [String: Axis] = [:]
        for (id, values) in xValues {
            let key = String(id.split(separator: "\u{0}", omittingEmptySubsequences: false).last ?? "")
            if logKey[id] == true && values.allSatisfy({ $0 > 0 }) {
                xAxes[id] = Axis.logarithmic(values, title: key + " (log scale)", pad: 0.05)
            } else {
                xAxes[id] = Axis.linear(values, title: key, pad: 0.05)
            }
        }
        return searches.map { s in
            keys(s).map { key in
                let x = xAxes[s.metric + "\u{0}" + key] ?? Axis.linear([], title: key, pad: 0.05)
                let y = yAxes[s.metric] ?? Axis.linear([], title: s.metric.isEmpty ? "objective" : s.metric, pad: 0.05)
                return (key, searchPlot(s, key: key, x: x, y: y))
            }
        }
    }

    static func searchSections(_ searches: [ReportSearch], figures: [[(key: String, figure: Figure)]]) -> String {
        var metrics: [String] = [], groups: [String: [Int]] = [:]
        for (i, s) in searches.enumerated() {
            if groups[s.metric] == nil { metrics.append(s.metric) }
            groups[s.metric, default: []].append(i)
        }
        var h = ""
        for metric in metrics {
            let group = groups[metric] ?? []
            let strategies = Set(group.map { searches[$0].strategy.lowercased() })
            guard group.count >= 2, strategies.contains("random"), strategies.contains("grid") else {
                for i in group { h += searchSection(searches[i], number: i + 1, figures: figures[i], plots: true) }
                continue
            }
            let order = group.filter { searches[$0].strategy.lowercased() == "random" }
                + group.filter { searches[$0].strategy.lowercased() == "grid" }
                + group.filter { !["random", "grid"].contains(searches[$0].strategy.lowercased()) }
            var keyOrder: [String] = [], seen = Set<String>()
            for i in order { for key in keys(searches[i]) where seen.insert(key).inserted { keyOrder.append(key) } }
            h += "<section class=\"search-compare\">\n<h3>Random and grid search side by side\(metric.isEmpty ? "" : ": " + esc(metric))</h3>\n"
            h += "<p class=\"note\">Each row plots one hyperparameter; plots in a row share their axes.</p>\n"
            h += "<div class=\"compare\" style=\"grid-template-columns: repeat(\(order.count), minmax(300px, max-content))\">\n"
            for i in order {
                h += "<div class=\"compare-head\"><a href=\"#search-\(i + 1)\">Search \(i + 1)</a>: \(esc(searches[i].strategy)) (request \(esc(searches[i].request)), \(count(searches[i].trials.count, "trial")))</div>\n"
            }
            for key in keyOrder {
                for i in order {
                    if let f = figures[i].first(where: { $0.key == key }) {
                        h += "<div>\(f.figure.svg)</div>\n"
                    } else {
                        h += "<div class=\"empty\">\(esc(key)) was not searched.</div>\n"
                    }
                }
            }
            h += "</div>\n</section>\n"
            for i in order { h += searchSection(searches[i], number: i + 1, figures: figures[i], plots: false) }
        }
        return h
    }

    static func searchSection(_ s: ReportSearch, number: Int, figures: [(key: String, figure: Figure)], plots: Bool) -> String {
        let keys = keys(s)
        let best = s.best.flatMap { b in s.trials.first { $0.index == b } }
        var h = "<section class=\"search\" id=\"search-\(number)\">\n"
        h += "<h3>Search \(number): \(esc(s.strategy)) search (request \(esc(s.request)))</h3>\n"
        h += "<table class=\"summary\">\n<thead><tr><th>strategy</th><th>metric</th><th>trials</th><th>without objective</th><th>best trial</th><th>best objective</th>"
        for key in keys { h += "<th>best \(esc(key))</th>" }
        h += "</tr></thead>\n<tbody><tr><td>\(esc(s.strategy))</td><td>\(esc(s.metric))</td><td class=\"num\">\(s.trials.count)</td>"
        h += "<td class=\"num\">\(s.trials.filter { $0.objective == nil }.count)</td>"
        h += "<td class=\"num\">\(s.best.map(String.init) ?? "—")</td><td class=\"num\">\(best?.objective.map(tableNumber) ?? "—")</td>"
        for key in keys { h += "<td class=\"num\">\(best.flatMap { b in b.config.first { $0.0 == key }.map { tableNumber($0.1) } } ?? "—")</td>" }
        h += "</tr></tbody>\n</table>\n"
        if plots && !figures.isEmpty {
            h += "<div class=\"plots\">\n"
            for f in figures { h += f.figure.svg + "\n" }
            h += "</div>\n"
        }
        if !s.trials.isEmpty {
            h += "<details><summary>All trials (\(s.trials.count))</summary>\n<table class=\"trials\">\n<thead><tr><th>trial</th>"
            for key in keys { h += "<th>\(esc(key))</th>" }
            h += "<th>\(esc(s.metric.isEmpty ? "objective" : s.metric))</th></tr></thead>\n<tbody>\n"
            for trial in s.trials {
                h += trial.index == s.best ? "<tr class=\"best\">" : "<tr>"
                h += "<td class=\"num\">\(trial.index)</td>"
                for key in keys { h += "<td class=\"num\">\(trial.config.first { $0.0 == key }.map { tableNumber($0.1) } ?? "")</td>" }
                h += "<td class=\"num\">\(trial.objective.map(tableNumber) ?? "diverged")</td></tr>\n"
            }
            h += "</tbody>\n</table>\n</details>\n"
        }
        return h + "</section>\n"
    }

    static func searchPlot(_ s: ReportSearch, key: String, x: Axis, y: Axis) -> Figure {
        let hasDiverged = s.trials.contains { trial in
            guard let value = trial.config.first(where: { $0.0 == key })?.1, x.drawable(value) else { return false }
            return !(trial.objective.map(y.drawable) ?? false)
        }
        let hasBest = s.trials.contains { trial in
            guard trial.index == s.best, let value = trial.config.first(where: { $0.0 == key })?.1, x.drawable(value) else { return false }
            return trial.objective.map(y.drawable) ?? false
        }
        var legendEntries = [LegendEntry(label: "trial", mark: .marker(fill: "#0072B2", stroke: "#0072B2", width: 1.2, r: 4.5, opacity: 0.6))]
        if hasBest { legendEntries.append(LegendEntry(label: "best trial", mark: .marker(fill: "#D55E00", stroke: "#000000", width: 1.5, r: 6, opacity: 1))) }
        if hasDiverged { legendEntries.append(LegendEntry(label: "no objective (diverged)", mark: .cross("#000000"))) }
        let width = 548.0, left = 72.0
        let key_ = legendRows(legendEntries, x: left, y: 34, width: width - left - 16)
        let frame = Frame(width: width, height: 320 + key_.height, left: left, right: 24, top: 38 + key_.height, bottom: 48)
        let c = Canvas(frame: frame, x: x, y: y)
        var regular: [(Double, Double)] = [], best: [(Double, Double)] = [], diverged: [Double] = []
        for trial in s.trials {
            guard let value = trial.config.first(where: { $0.0 == key })?.1, x.drawable(value) else { continue }
            if let o = trial.objective, y.drawable(o) {
                if trial.index == s.best { best.append((c.px(value), c.py(o))) } else { regular.append((c.px(value), c.py(o))) }
            } else {
                diverged.append(c.px(value))
            }
        }
        var body = axes(c)
        if !regular.isEmpty {
            body += "<path class=\"series trials\" data-points=\"\(regular.count)\" d=\"\(circles(regular, r: 4.5))\" fill=\"#0072B2\" fill-opacity=\"0.6\" stroke=\"#0072B2\" stroke-width=\"1.2\"/>\n"
        }
        if !best.isEmpty {
            body += "<path class=\"series best\" data-points=\"\(best.count)\" d=\"\(circles(best, r: 7))\" fill=\"#D55E00\" stroke=\"#000000\" stroke-width=\"1.5\"/>\n"
        }
        if !diverged.isEmpty {
            var d = ""
            let yb = frame.y1 - 7
            for xp in diverged { d += "M\(f1(xp - 4)),\(f1(yb - 4))L\(f1(xp + 4)),\(f1(yb + 4))M\(f1(xp - 4)),\(f1(yb + 4))L\(f1(xp + 4)),\(f1(yb - 4))" }
            body += "<path class=\"series diverged\" data-points=\"\(diverged.count)\" d=\"\(d)\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1.6\"/>\n"
        }
        body += key_.svg
        let title = "\(s.strategy.capitalized) search (request \(s.request)): \(s.metric.isEmpty ? "objective" : s.metric) by \(key)"
        body += plotTitle(title, frame: frame)
        let points = regular.count + best.count + diverged.count
        return Figure(name: "search-" + slug(s.request) + "-" + slug(key), svg: svg(kind: "search", title: title, frame: frame, points: points, body: body))
    }
}
