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
package struct ReportTraining: Sendable {
    package var request = ""
    package var model = "?"
    package var data = "?"
    /// The epoch of each metric notification, as logged (0-based).
    package var epochs: [Int] = []
    /// Aligned with `epochs`.
    package var cost: [Double] = []
    /// Aligned with `epochs`; nil where the notification had no `val_cost`.
    package var validationCost: [Double?] = []
    /// Aligned with `epochs`; drawn only when it takes more than one value.
    package var learningRate: [Double] = []
    /// Per layer, per reported epoch (aligned with `epochs`; `.nan` where a value is missing).
    package var layerGradientNorms: [[Double]] = []
    package var accuracy: Double?
    package var boundary: ReportBoundary?

    package init() {}
}

/// The decision boundary of a 2-feature model: a grid of P(class 1) (or class index) and the points.
package struct ReportBoundary: Sendable {
    /// Grid abscissae (feature 0), ascending.
    package var xs: [Double] = []
    /// Grid ordinates (feature 1), ascending.
    package var ys: [Double] = []
    /// `values[row][col]` is the model's output at `(xs[col], ys[row])`: P(class 1) in [0, 1]
    /// when `classes <= 2`, the predicted class index otherwise.
    package var values: [[Double]] = []
    package var classes = 2
    package var trainPoints: [(x: Double, y: Double, label: Int)] = []
    package var testPoints: [(x: Double, y: Double, label: Int)] = []

    package init() {}
}

/// One hyperparameter search in a run log.
package struct ReportSearch: Sendable {
    package var request = ""
    /// "random" or "grid".
    package var strategy = "random"
    /// The objective's metric, used as the y axis title (e.g. "accuracy", "cost").
    package var metric = "objective"
    /// `index` is the trial's index in the search; `objective` is nil for a diverged trial.
    package var trials: [(index: Int, config: [(String, Double)], objective: Double?)] = []
    /// Dotted keys searched on a log scale (drawn on a log x axis).
    package var logScaled: Set<String> = []
    /// The `index` of the best trial, if any.
    package var best: Int?

    package init() {}
}

package enum Report {
    /// One XHTML page: an overview table, then per training its summary table and plots, then per
    /// search its plots (random and grid side by side, with the same axes, when both are present).
    package static func html(title: String, trainings: [ReportTraining], searches: [ReportSearch], logCost: Bool) -> String {
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
    package static func svgFiles(trainings: [ReportTraining], searches: [ReportSearch], logCost: Bool) -> [(name: String, svg: String)] {
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
}
