import Foundation

// The report's trainings.
extension Report {
    static func overviewTable(_ trainings: [ReportTraining]) -> String {
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
    static func epochCount(_ t: ReportTraining) -> String {
        t.epochs.last.map { $0 < Int.max ? String($0 + 1) : "\($0) + 1" } ?? "—"
    }

    static func finalValidation(_ t: ReportTraining) -> Double? {
        t.validationCost.last { $0 != nil } ?? nil
    }

    static func trainingSection(_ t: ReportTraining, number: Int, figures: [Figure], logCost: Bool) -> String {
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
    static func valuesTable(_ t: ReportTraining) -> String {
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

    static func trainingFigures(_ t: ReportTraining, logCost: Bool) -> [Figure] {
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
}
