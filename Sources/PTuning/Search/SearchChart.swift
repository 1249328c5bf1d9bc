import Foundation

/// `search.svg`: every trial's dev metric against its steps, one line per trial run (the winner's
/// bold), so a search's trials can be compared at a glance and halving's rungs seen growing.
public enum SearchChart {
    /// Legend rows at most; further trials are drawn but not named.
    static let legendRows = 24

    /// The chart as SVG 1.1 text; `metricName` (e.g. "dev accuracy") is escaped.
    public static func svg(_ report: SearchReport, title: String, metricName: String) -> String {
        let width = 880.0, height = 480.0
        let left = 70.0, right = 640.0, top = 60.0, bottom = 410.0
        let samples = report.trials.flatMap(\.devCurve)
        let x = AxisScale(covering: [0] + samples.map { Double($0.step) }, tickCount: 8, pixels: (left, right))
        let y = AxisScale(covering: samples.isEmpty ? [0, 1] : samples.map(\.dev), tickCount: 6, margin: 0.02,
                          pixels: (bottom, top), within: 0...1)
        var svg = SVGWriter()
        svg.element("rect", [("width", "100%"), ("height", "100%"), ("fill", "white")])
        svg.text(title, x: width / 2, y: 28, size: 17, anchor: "middle", weight: "bold", fill: "#111")
        LossChart.frame(&svg, x: x, y: y, top: top, bottom: bottom, label: metricName, stepLabels: true)
        svg.text("step", x: (left + right) / 2, y: bottom + 44, size: 13, anchor: "middle")
        let winner = report.trials.lastIndex { $0.index == report.winner }
        for (place, row) in report.trials.enumerated() {
            let colour = LossChart.palette[row.index % LossChart.palette.count]
            let points = row.devCurve.map { (x.pixel(Double($0.step)), y.pixel($0.dev)) }
            svg.open("g", [("id", "trial-\(row.index)" + (row.rung.map { "-rung-\($0)" } ?? ""))])
            svg.polyline(points, stroke: colour, width: place == winner ? 3 : 1.4, opacity: place == winner ? 1 : 0.75, className: "dev")
            if let last = points.last {
                svg.element("circle", [("cx", SVGWriter.number(last.0)), ("cy", SVGWriter.number(last.1)), ("r", "3"), ("fill", colour)])
            }
            svg.close("g")
        }
        if samples.isEmpty {
            svg.text("no dev evaluations", x: (left + right) / 2, y: (top + bottom) / 2, size: 13, anchor: "middle", fill: "#888")
        }
        var legendY = top + 6
        for (place, row) in report.trials.enumerated().prefix(legendRows) {
            let colour = LossChart.palette[row.index % LossChart.palette.count]
            svg.line(right + 24, legendY, right + 50, legendY, stroke: colour, width: place == winner ? 3 : 1.4)
            let name = "trial \(row.index + 1)" + (row.rung.map { ", rung \($0 + 1)" } ?? "") + (place == winner ? " (winner)" : "")
            svg.text(name, x: right + 58, y: legendY + 4, size: 12)
            legendY += 18
        }
        if report.trials.count > legendRows {
            svg.text("and \(report.trials.count - legendRows) more", x: right + 58, y: legendY + 4, size: 11, fill: "#555")
        }
        return svg.document(width: width, height: height)
    }
}
