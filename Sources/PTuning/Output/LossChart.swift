import Foundation

/// `loss.svg`: training loss against step for every seed (faint raw line, bold smoothed line) in the
/// top panel (raw only for curves too short to smooth), and the dev metric against step in the bottom panel, sharing the step axis.
public enum LossChart {
    /// Line colours, one per seed, cycling.
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    /// Polylines longer than this are thinned to every k-th point (the smoothed line keeps its shape).
    static let maxPoints = 600

    /// The chart as SVG 1.1 text; `title` and `metricName` (e.g. "dev accuracy") are escaped.
    /// `kept`: the seed whose prompt was exported, marked in the legend.
    public static func svg(seeds: [SeedResult], kept: UInt64? = nil, title: String, metricName: String) -> String {
        let width = 880.0, height = 600.0
        let left = 70.0, right = 680.0
        let lossTop = 60.0, lossBottom = 330.0
        let devTop = 390.0, devBottom = 530.0
        let steps = seeds.flatMap { $0.lossCurve.map { Double($0.step) } + $0.devCurve.map { Double($0.step) } }
        let x = AxisScale(covering: steps.isEmpty ? [0, 1] : [0] + steps, tickCount: 8, pixels: (left, right))
        let lossValues = seeds.flatMap { $0.lossCurve.map(\.loss) }.filter(\.isFinite)
        let yLoss = AxisScale(covering: lossValues.isEmpty ? [0, 1] : lossValues, margin: 0.02,
                                pixels: (lossBottom, lossTop))
        let devValues = seeds.flatMap { $0.devCurve.map(\.metrics.primary) }
        let yDev = AxisScale(covering: devValues.isEmpty ? [0, 1] : devValues, tickCount: 4, margin: 0.02,
                             pixels: (devBottom, devTop), within: 0...1)

        var svg = SVGWriter()
        svg.element("rect", [("width", "100%"), ("height", "100%"), ("fill", "white")])
        svg.text(title, x: width / 2, y: 28, size: 17, anchor: "middle", weight: "bold", fill: "#111")

        frame(&svg, x: x, y: yLoss, top: lossTop, bottom: lossBottom, label: "training loss", stepLabels: false)
        frame(&svg, x: x, y: yDev, top: devTop, bottom: devBottom, label: metricName, stepLabels: true)
        svg.text("step", x: (left + right) / 2, y: devBottom + 44, size: 13, anchor: "middle")

        let smoothing = smoothingWeight(pointCount: seeds.map(\.lossCurve.count).max() ?? 0)
        for (index, seed) in seeds.enumerated() {
            let colour = palette[index % palette.count]
            let curve = seed.lossCurve.filter { $0.loss.isFinite }
            let raw = curve.map { (x.pixel(Double($0.step)), yLoss.pixel($0.loss)) }
            let smooth = zip(curve, ema(curve.map(\.loss), weight: smoothing)).map { (x.pixel(Double($0.0.step)), yLoss.pixel($0.1)) }
            svg.open("g", [("id", "seed-\(seed.seed)")])
            if smoothing > 0 {
                svg.polyline(thinned(raw), stroke: colour, width: 1, opacity: 0.35, className: "loss-raw")
                svg.polyline(thinned(smooth), stroke: colour, width: 2.2, className: "loss-smooth")
            } else {
                svg.polyline(raw, stroke: colour, width: 2.2, className: "loss-raw")
            }
            let dev = seed.devCurve.map { (x.pixel(Double($0.step)), yDev.pixel($0.metrics.primary)) }
            svg.polyline(dev, stroke: colour, width: 1.8, className: "dev")
            for point in dev {
                svg.element("circle", [("cx", SVGWriter.number(point.0)), ("cy", SVGWriter.number(point.1)), ("r", "3"),
                                       ("fill", colour)])
            }
            if let best = seed.devCurve.first(where: { $0.step == seed.bestStep }) {
                svg.element("circle", [("cx", SVGWriter.number(x.pixel(Double(best.step)))),
                                       ("cy", SVGWriter.number(yDev.pixel(best.metrics.primary))), ("r", "6"),
                                       ("fill", "none"), ("stroke", colour), ("stroke-width", "1.5")])
            }
            svg.close("g")
        }
        if devValues.isEmpty {
            svg.text("no dev evaluations", x: (left + right) / 2, y: (devTop + devBottom) / 2 + 4, size: 13,
                     anchor: "middle", fill: "#888")
        }
        legend(&svg, seeds: seeds, kept: kept, smoothing: smoothing, x: right + 24, y: lossTop + 6)
        return svg.document(width: width, height: height)
    }

    /// Grid, ticks, tick labels and the y-axis label of one panel.
    static func frame(_ svg: inout SVGWriter, x: AxisScale, y: AxisScale, top: Double, bottom: Double,
                              label: String, stepLabels: Bool) {
        let left = x.pixel(x.lower), right = x.pixel(x.upper)
        for tick in y.ticks {
            let py = y.pixel(tick)
            svg.line(left, py, right, py, stroke: "#e4e4e4")
            svg.line(left - 5, py, left, py, stroke: "#444")
            svg.text(y.label(tick), x: left - 8, y: py + 4, size: 11, anchor: "end")
        }
        for tick in x.ticks {
            let px = x.pixel(tick)
            svg.line(px, top, px, bottom, stroke: "#f0f0f0")
            svg.line(px, bottom, px, bottom + 5, stroke: "#444")
            if stepLabels { svg.text(x.label(tick), x: px, y: bottom + 19, size: 11, anchor: "middle") }
        }
        svg.element("rect", [("x", SVGWriter.number(left)), ("y", SVGWriter.number(top)),
                             ("width", SVGWriter.number(right - left)), ("height", SVGWriter.number(bottom - top)),
                             ("fill", "none"), ("stroke", "#444")])
        svg.text(label, x: left - 50, y: (top + bottom) / 2, size: 13, anchor: "middle", rotate: true)
    }

    private static func legend(_ svg: inout SVGWriter, seeds: [SeedResult], kept: UInt64?, smoothing: Double,
                               x: Double, y: Double) {
        var row = y
        for (index, seed) in seeds.enumerated() {
            let colour = palette[index % palette.count]
            svg.line(x, row, x + 26, row, stroke: colour, width: 2.2)
            svg.text("seed \(seed.seed)" + (seed.seed == kept ? " (exported)" : ""), x: x + 34, y: row + 4, size: 12)
            row += 20
        }
        row += 10
        if smoothing > 0 {
            svg.element("line", [("x1", SVGWriter.number(x)), ("y1", SVGWriter.number(row)), ("x2", SVGWriter.number(x + 26)),
                                 ("y2", SVGWriter.number(row)), ("stroke", "#555"), ("stroke-width", "1"), ("stroke-opacity", "0.35")])
            svg.text("loss per step", x: x + 34, y: row + 4, size: 11, fill: "#555")
            row += 18
            svg.line(x, row, x + 26, row, stroke: "#555", width: 2.2)
            svg.text("EMA, weight \(String(format: "%.2f", smoothing))", x: x + 34, y: row + 4, size: 11, fill: "#555")
            row += 18
        }
        svg.element("circle", [("cx", SVGWriter.number(x + 13)), ("cy", SVGWriter.number(row)), ("r", "6"),
                               ("fill", "none"), ("stroke", "#555"), ("stroke-width", "1.5")])
        svg.text("kept step (best dev)", x: x + 34, y: row + 4, size: 11, fill: "#555")
    }

    /// The EMA weight: none for a handful of points, up to 0.9 for long curves (about n/10 points of memory).
    static func smoothingWeight(pointCount n: Int) -> Double {
        n < 10 ? 0 : min(0.9, 1 - 10 / Double(n))
    }

    /// Exponential moving average with bias correction, so the first points are not pulled towards 0.
    static func ema(_ values: [Double], weight: Double) -> [Double] {
        var average = 0.0
        var correction = 1.0
        return values.map { value in
            average = weight * average + (1 - weight) * value
            correction *= weight
            return average / (1 - correction)
        }
    }

    private static func thinned(_ points: [(Double, Double)]) -> [(Double, Double)] {
        guard points.count > maxPoints else { return points }
        let stride = (points.count + maxPoints - 1) / maxPoints
        var kept = points.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
        if let last = points.last, (points.count - 1) % stride != 0 { kept.append(last) }
        return kept
    }
}
