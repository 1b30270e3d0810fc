import Foundation

// The report's constants.
extension Report {
    /// Most vertices drawn for one line; longer series are thinned to min/max per pixel bucket.
    static let maxLinePoints = 1000
    /// Lines with at most this many drawn points also get a marker at each point.
    static let markerLimit = 60

    /// Okabe–Ito, in the order series take them (yellow last: it is faint on white).
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
    static let lineColours = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]
    static let dashes: [String?] = [nil, "7 4", "2 3", "10 3 2 3"]
    static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

    static let css = """
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
}
