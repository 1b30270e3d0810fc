import Foundation

// `gradwell report`: one self-contained XHTML page (inline SVG, no script, no network) drawn
// from a run log that the caller has already parsed, and the same plots as standalone SVG files.
//
// Conventions the tests rely on:
// - every plot is an `<svg class="plot" data-plot="KIND" data-points="N">`, N being the number of
//   data points drawn in it (line vertices after thinning, scatter markers); KIND is one of
//   cost, learning-rate, grad-norms, boundary, search;
// - every series is one `<path class="series NAME …" data-points="n">`: `series cost`,
//   `series val_cost`, `series lr`, `series grad_norm layer-L`, `series train label-K`,
//   `series test label-K`, `series trials`, `series best`, `series diverged`;
// - lines with more than `maxLinePoints` drawable points are thinned for drawing only (first and
//   last point, then the lowest and highest point of each horizontal pixel bucket); tables show
//   every reported value, to 6 significant digits (the log itself keeps every bit).

/// One training in a run log, as the report draws it.
struct ReportTraining: Sendable {
    var request: String
    var model: String
    var data: String
    /// The epoch of each metric notification, as logged (0-based).
    var epochs: [Int]
    /// Aligned with `epochs`.
    var cost: [Double]
    /// Aligned with `epochs`; nil where the notification had no `val_cost`.
    var validationCost: [Double?]
    /// Aligned with `epochs`; drawn only when it takes more than one value.
    var learningRate: [Double]
    /// Per layer, per reported epoch (aligned with `epochs`; `.nan` where a value is missing).
    var layerGradientNorms: [[Double]]
    var accuracy: Double?
    var boundary: ReportBoundary?
}

/// The decision boundary of a 2-feature model: a grid of P(class 1) (or class index) and the points.
struct ReportBoundary: Sendable {
    /// Grid abscissae (feature 0), ascending.
    var xs: [Double]
    /// Grid ordinates (feature 1), ascending.
    var ys: [Double]
    /// `values[row][col]` is the model's output at `(xs[col], ys[row])`: P(class 1) in [0, 1]
    /// when `classes <= 2`, the predicted class index otherwise.
    var values: [[Double]]
    var classes: Int
    var trainPoints: [(x: Double, y: Double, label: Int)]
    var testPoints: [(x: Double, y: Double, label: Int)]
}

/// One hyperparameter search in a run log.
struct ReportSearch: Sendable {
    var request: String
    /// "random" or "grid".
    var strategy: String
    /// The objective's metric, used as the y axis title (e.g. "accuracy", "cost").
    var metric: String
    /// `index` is the trial's index in the search; `objective` is nil for a diverged trial.
    var trials: [(index: Int, config: [(String, Double)], objective: Double?)]
    /// Dotted keys searched on a log scale (drawn on a log x axis).
    var logScaled: Set<String>
    /// The `index` of the best trial, if any.
    var best: Int?
}

enum Report {
    /// One XHTML page: an overview table, then per training its summary table and plots, then per
    /// search its plots (random and grid side by side, with the same axes, when both are present).
    static func html(title: String, trainings: [ReportTraining], searches: [ReportSearch], logCost: Bool) -> String {
        var h = "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\" xml:lang=\"en\">\n<head>\n"
        h += "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        h += "<title>\(esc(title))</title>\n<style>\n\(css)</style>\n</head>\n<body>\n"
        h += "<h1>\(esc(title))</h1>\n"
        h += "<p class=\"note\">\(count(trainings.count, "training")), \(count(searches.count, "search", "searches"))"
        h += logCost ? "; cost drawn on a log scale.</p>\n" : ".</p>\n"

        if !trainings.isEmpty {
            h += "<h2>Trainings</h2>\n"
            h += overviewTable(trainings)
            for (i, t) in trainings.enumerated() {
                h += trainingSection(t, number: i + 1, figures: trainingFigures(t, logCost: logCost), logCost: logCost)
            }
        }
        if !searches.isEmpty {
            h += "<h2>Searches</h2>\n"
            h += searchSections(searches, figures: searchFigures(searches))
        }
        if trainings.isEmpty && searches.isEmpty {
            h += "<p>The log holds no training and no search.</p>\n"
        }
        h += "</body>\n</html>\n"
        return h
    }

    /// The plots of `html`, one standalone SVG document each. Names are unique, end in `.svg` and use
    /// only `[A-Za-z0-9._-]`: `training-REQ-cost.svg`, `training-REQ-learning-rate.svg`,
    /// `training-REQ-grad-norms.svg`, `training-REQ-boundary.svg`, `search-REQ-KEY.svg`.
    static func svgFiles(trainings: [ReportTraining], searches: [ReportSearch], logCost: Bool) -> [(name: String, svg: String)] {
        var figures = trainings.flatMap { trainingFigures($0, logCost: logCost) }
        figures += searchFigures(searches).flatMap { $0.map(\.figure) }
        var used = Set<String>()
        return figures.map { figure in
            var name = figure.name + ".svg"
            var n = 2
            while used.contains(name) { name = "\(figure.name)-\(n).svg"; n += 1 }
            used.insert(name)
            return (name, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + figure.svg + "\n")
        }
    }

    // MARK: - Constants

    /// Most vertices drawn for one line; longer series are thinned to min/max per pixel bucket.
    static let maxLinePoints = 1000
    /// Lines with at most this many drawn points also get a marker at each point.
    private static let markerLimit = 60

    /// Okabe–Ito, in the order series take them (yellow last: it is faint on white).
    private static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
    private static let lineColours = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]
    private static let dashes: [String?] = [nil, "7 4", "2 3", "10 3 2 3"]
    private static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

    private static let css = """
    body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #222; background: #fff; }
    h1 { font-size: 22px; margin: 0 0 4px 0; }
    h2 { font-size: 19px; border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 36px; }
    h3 { font-size: 16px; margin: 28px 0 6px 0; }
    section { margin-bottom: 12px; }
    table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px 0; }
    th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
    th { background: #f4f4f4; font-weight: 600; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: "DejaVu Sans Mono", monospace; }
    tr.best td { font-weight: bold; background: #fdf0dc; }
    .plots { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
    svg.plot { max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
    .compare { display: grid; gap: 14px; overflow-x: auto; align-items: start; }
    .compare-head { font-weight: 600; font-size: 14px; }
    .empty { color: #888; font-size: 13px; padding: 8px; }
    .note { color: #555; font-size: 13px; }
    details { margin: 4px 0 12px 0; font-size: 13px; }
    summary { cursor: pointer; color: #0b5394; }

    """

    // MARK: - Trainings

    private static func overviewTable(_ trainings: [ReportTraining]) -> String {
        let hasVal = trainings.contains { $0.validationCost.contains { $0 != nil } }
        var h = "<table class=\"overview\">\n<thead><tr><th>#</th><th>request</th><th>model</th><th>data</th><th>epochs</th><th>final cost</th>"
        if hasVal { h += "<th>final validation cost</th>" }
        h += "<th>accuracy</th></tr></thead>\n<tbody>\n"
        for (i, t) in trainings.enumerated() {
            h += "<tr><td class=\"num\"><a href=\"#training-\(i + 1)\">\(i + 1)</a></td><td>\(esc(t.request))</td>"
            h += "<td>\(esc(t.model))</td><td>\(esc(t.data))</td><td class=\"num\">\(epochCount(t))</td>"
            h += "<td class=\"num\">\(t.cost.last.map(tableNumber) ?? "—")</td>"
            if hasVal { h += "<td class=\"num\">\(finalValidation(t).map(tableNumber) ?? "—")</td>" }
            h += "<td class=\"num\">\(t.accuracy.map(tableNumber) ?? "—")</td></tr>\n"
        }
        return h + "</tbody>\n</table>\n"
    }

    /// Epochs trained: the last logged epoch + 1 (epochs are logged 0-based).
    private static func epochCount(_ t: ReportTraining) -> String {
        t.epochs.last.map { $0 < Int.max ? String($0 + 1) : "\($0) + 1" } ?? "—"
    }

    private static func finalValidation(_ t: ReportTraining) -> Double? {
        t.validationCost.last { $0 != nil } ?? nil
    }

    private static func trainingSection(_ t: ReportTraining, number: Int, figures: [Figure], logCost: Bool) -> String {
        var h = "<section class=\"training\" id=\"training-\(number)\">\n"
        h += "<h3>Training \(number): \(esc(t.model.isEmpty ? "model" : t.model)) on \(esc(t.data.isEmpty ? "data" : t.data)) (request \(esc(t.request)))</h3>\n"
        h += "<table class=\"summary\">\n<thead><tr><th>model</th><th>data</th><th>epochs</th><th>reported points</th><th>final cost</th>"
        let val = finalValidation(t)
        if val != nil { h += "<th>final validation cost</th>" }
        h += "<th>accuracy</th></tr></thead>\n<tbody><tr>"
        h += "<td>\(esc(t.model))</td><td>\(esc(t.data))</td><td class=\"num\">\(epochCount(t))</td><td class=\"num\">\(t.epochs.count)</td>"
        h += "<td class=\"num\">\(t.cost.last.map(tableNumber) ?? "—")</td>"
        if let val { h += "<td class=\"num\">\(tableNumber(val))</td>" }
        h += "<td class=\"num\">\(t.accuracy.map(tableNumber) ?? "—")</td></tr></tbody>\n</table>\n"
        let undrawn = t.cost.filter { !$0.isFinite || (logCost && $0 <= 0) }.count
        if undrawn > 0 {
            h += "<p class=\"note\">\(count(undrawn, "cost value")) not drawn (\(logCost ? "not finite or not positive on the log axis" : "not finite")).</p>\n"
        }
        if figures.isEmpty {
            h += "<p class=\"note\">No metric was reported for this training.</p>\n"
        } else {
            h += "<div class=\"plots\">\n"
            for f in figures { h += f.svg + "\n" }
            h += "</div>\n"
        }
        h += valuesTable(t)
        return h + "</section>\n"
    }

    /// Every reported value, unchanged; long runs show the first and last 200 rows.
    private static func valuesTable(_ t: ReportTraining) -> String {
        let n = t.epochs.count
        guard n > 0 else { return "" }
        let hasVal = t.validationCost.contains { $0 != nil }
        let hasLR = !t.learningRate.isEmpty
        var h = "<details><summary>Reported values (\(n) rows)</summary>\n<table class=\"values\">\n<thead><tr><th>epoch</th><th>cost</th>"
        if hasVal { h += "<th>validation cost</th>" }
        if hasLR { h += "<th>learning rate</th>" }
        for l in t.layerGradientNorms.indices { h += "<th>grad norm layer \(l)</th>" }
        h += "</tr></thead>\n<tbody>\n"
        let columns = 2 + (hasVal ? 1 : 0) + (hasLR ? 1 : 0) + t.layerGradientNorms.count
        func cell(_ v: Double?) -> String { "<td class=\"num\">\(v.map(tableNumber) ?? "")</td>" }
        func row(_ i: Int) -> String {
            var r = "<tr><td class=\"num\">\(t.epochs[i])</td>" + cell(t.cost[safe: i])
            if hasVal { r += cell(t.validationCost[safe: i] ?? nil) }
            if hasLR { r += cell(t.learningRate[safe: i]) }
            for norms in t.layerGradientNorms { r += cell(norms[safe: i]) }
            return r + "</tr>\n"
        }
        let shown = 200
        if n <= 2 * shown + 20 {
            for i in 0..<n { h += row(i) }
        } else {
            for i in 0..<shown { h += row(i) }
            h += "<tr><td colspan=\"\(columns)\" class=\"note\">… \(n - 2 * shown) rows not shown …</td></tr>\n"
            for i in (n - shown)..<n { h += row(i) }
        }
        return h + "</tbody>\n</table>\n</details>\n"
    }

    private static func trainingFigures(_ t: ReportTraining, logCost: Bool) -> [Figure] {
        let stem = "training-" + slug(t.request)
        let who = t.model.isEmpty ? "request \(t.request)" : "\(t.model) (request \(t.request))"
        let xs = t.epochs.map(Double.init)
        guard !xs.isEmpty else { return t.boundary.map { [boundaryFigure($0, name: stem + "-boundary", title: "Decision boundary — \(who)")] } ?? [] }
        let x = Axis.linear(xs, title: "epoch", integer: true)
        var figures: [Figure] = []

        // Cost and validation cost.
        let costPoints = (0..<min(xs.count, t.cost.count)).map { (x: xs[$0], y: t.cost[$0]) }
        let valPoints = (0..<min(xs.count, t.validationCost.count)).compactMap { i in t.validationCost[i].map { (x: xs[i], y: $0) } }
        let costValues = (costPoints + valPoints).map(\.y).filter { $0.isFinite && (!logCost || $0 > 0) }
        if !costValues.isEmpty {
            let y = logCost ? Axis.logarithmic(costValues, title: "cost (log scale)") : Axis.linear(costValues, title: "cost")
            var series = [LineSeries(cls: "cost", label: "training cost", colour: palette[0], dash: nil, points: costPoints)]
            if !valPoints.isEmpty {
                series.append(LineSeries(cls: "val_cost", label: "validation cost", colour: palette[1], dash: "7 4", points: valPoints))
            }
            figures.append(linePlot(name: stem + "-cost", kind: "cost", title: "Cost per epoch — \(who)", x: x, y: y, series: series))
        }

        // Learning rate, when a schedule changed it.
        let lrPoints = (0..<min(xs.count, t.learningRate.count)).map { (x: xs[$0], y: t.learningRate[$0]) }
        let rates = lrPoints.map(\.y).filter(\.isFinite)
        if Set(rates).count > 1, let low = rates.min(), let high = rates.max() {
            let log = low > 0 && high / low >= 10
            let y = log ? Axis.logarithmic(rates, title: "learning rate (log scale)") : Axis.linear(rates, title: "learning rate")
            figures.append(linePlot(name: stem + "-learning-rate", kind: "learning-rate", title: "Learning rate schedule — \(who)", x: x, y: y,
                                    series: [LineSeries(cls: "lr", label: "learning rate", colour: palette[2], dash: nil, points: lrPoints)]))
        }

        // Gradient norm per layer.
        let layers = t.layerGradientNorms.enumerated().map { l, norms in
            (0..<min(xs.count, norms.count)).map { (x: xs[$0], y: norms[$0]) }
        }
        let norms = layers.flatMap { $0.map(\.y) }.filter(\.isFinite)
        if !norms.isEmpty {
            let log = norms.allSatisfy { $0 > 0 }
            let y = log ? Axis.logarithmic(norms, title: "gradient norm (log scale)") : Axis.linear(norms, title: "gradient norm")
            let series = layers.enumerated().map { l, points in
                LineSeries(cls: "grad_norm layer-\(l)", label: "layer \(l)", colour: lineColours[l % lineColours.count],
                           dash: dashes[(l / lineColours.count) % dashes.count], points: points)
            }
            figures.append(linePlot(name: stem + "-grad-norms", kind: "grad-norms", title: "Gradient norm per layer — \(who)", x: x, y: y, series: series))
        }

        if let boundary = t.boundary {
            figures.append(boundaryFigure(boundary, name: stem + "-boundary", title: "Decision boundary — \(who)"))
        }
        return figures
    }

    // MARK: - Searches

    private static func keys(_ s: ReportSearch) -> [String] {
        var seen = Set<String>(), order: [String] = []
        for trial in s.trials { for (key, _) in trial.config where seen.insert(key).inserted { order.append(key) } }
        return order
    }

    /// Per search, one plot per searched key; plots of the same metric and key share their axes.
    private static func searchFigures(_ searches: [ReportSearch]) -> [[(key: String, figure: Figure)]] {
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

    private static func searchSections(_ searches: [ReportSearch], figures: [[(key: String, figure: Figure)]]) -> String {
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

    private static func searchSection(_ s: ReportSearch, number: Int, figures: [(key: String, figure: Figure)], plots: Bool) -> String {
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

    private static func searchPlot(_ s: ReportSearch, key: String, x: Axis, y: Axis) -> Figure {
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

    // MARK: - Decision boundary

    private static func boundaryFigure(_ b: ReportBoundary, name: String, title: String) -> Figure {
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
    private static func edges(_ v: [Double]) -> [Double] {
        guard v.count > 1 else { return v.isEmpty ? [] : [v[0] - 0.5, v[0] + 0.5] }
        var e = [v[0] - (v[1] - v[0]) / 2]
        for i in 1..<v.count { e.append((v[i - 1] + v[i]) / 2) }
        e.append(v[v.count - 1] + (v[v.count - 1] - v[v.count - 2]) / 2)
        return e
    }

    /// Marching squares: the segments of the `level` line of a gridded function, in data coordinates.
    private static func contour(xs: [Double], ys: [Double], level: Double,
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

    // MARK: - Line plots

    private struct LineSeries {
        var cls: String
        var label: String
        var colour: String
        var dash: String?
        var points: [(x: Double, y: Double)]
    }

    private static func linePlot(name: String, kind: String, title: String, x: Axis, y: Axis, series: [LineSeries]) -> Figure {
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
    private static func thin(_ points: [(Double, Double)], buckets: Int, from x0: Double, to x1: Double) -> [(Double, Double)] {
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

    // MARK: - Axes and drawing

    private struct Figure {
        var name: String
        var svg: String
    }

    private struct Frame {
        var width: Double, height: Double, left: Double, right: Double, top: Double, bottom: Double
        var x0: Double { left }
        var x1: Double { width - right }
        var y0: Double { top }
        var y1: Double { height - bottom }
    }

    private struct Canvas {
        let frame: Frame
        let x: Axis
        let y: Axis
        func px(_ v: Double) -> Double { frame.x0 + x.fraction(v) * (frame.x1 - frame.x0) }
        func py(_ v: Double) -> Double { frame.y1 - y.fraction(v) * (frame.y1 - frame.y0) }
    }

    private struct Axis {
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
    private static func axes(_ c: Canvas, grid: Bool = true) -> String {
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

    private struct LegendEntry {
        enum Mark {
            case line(String, String?, Double)
            case marker(fill: String, stroke: String, width: Double, r: Double, opacity: Double)
            case cross(String)
        }
        var label: String
        var mark: Mark
    }

    /// A legend in rows (under the title), wrapped to `width`; `height` is the space it takes.
    private static func legendRows(_ entries: [LegendEntry], x: Double, y: Double, width: Double) -> (svg: String, height: Double) {
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
    private static func legend(_ entries: [LegendEntry], x: Double, y: Double) -> String {
        legend(entries.enumerated().map { ($0.element, x, y + Double($0.offset) * 18) })
    }

    private static func legend(_ placed: [(LegendEntry, Double, Double)]) -> String {
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
    private static func plotTitle(_ title: String, frame: Frame) -> String {
        let fits = Int((frame.width - 24) / 8.2)
        let shown = title.count > fits ? String(title.prefix(max(fits - 1, 1))) + "…" : title
        return "<text class=\"plot-title\" x=\"12\" y=\"22\" font-size=\"14\" font-weight=\"bold\">\(esc(shown))</text>\n"
    }

    private static func svg(kind: String, title: String, frame: Frame, points: Int, body: String) -> String {
        let w = f1(frame.width), h = f1(frame.height)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-plot=\"\(kind)\" data-points=\"\(points)\" "
        s += "width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"\(fontFamily)\" font-size=\"12\" role=\"img\" aria-label=\"\(esc(title))\">\n"
        s += "<title>\(esc(title))</title>\n<rect width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>\n"
        return s + body + "</svg>"
    }

    /// Circles as one path (so a scatter series is a single element).
    private static func circles(_ centres: [(Double, Double)], r: Double) -> String {
        var d = ""
        d.reserveCapacity(centres.count * 40)
        let rs = f1(r), dia = f1(2 * r)
        for (x, y) in centres {
            d += "M\(f1(x - r)),\(f1(y))a\(rs),\(rs) 0 1,0 \(dia),0a\(rs),\(rs) 0 1,0 -\(dia),0Z"
        }
        return d
    }

    /// `colour` mixed with white: `amount` 0 is white, 1 is the colour.
    private static func tint(_ colour: String, _ amount: Double) -> String {
        let hex = Int(colour.dropFirst(), radix: 16) ?? 0
        let channels = [(hex >> 16) & 255, (hex >> 8) & 255, hex & 255].map { c -> Int in
            Int((255 + (Double(c) - 255) * min(max(amount, 0), 1)).rounded())
        }
        let digits = channels.map { c -> String in let s = String(c, radix: 16); return s.count == 1 ? "0" + s : s }
        return "#" + digits.joined()
    }

    // MARK: - Text

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
    private static func f1(_ v: Double) -> String {
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
    private static func slug(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || scalar == "." || scalar == "_" || scalar == "-"
            if ok { out.unicodeScalars.append(scalar) } else if !out.hasSuffix("-") { out += "-" }
        }
        while out.hasPrefix("-") || out.hasPrefix(".") { out.removeFirst() }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "x" : String(out.prefix(80))
    }

    private static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }
}

private extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
