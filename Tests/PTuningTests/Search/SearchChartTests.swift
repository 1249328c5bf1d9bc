@testable import PTuning
import Testing

/// `search.svg`: one line per trial run, the winner's bold.
struct SearchChartTests {
    func row(_ index: Int, rung: Int?, curve: [(Int, Double)]) -> SearchReport.Row {
        SearchReport.Row(index: index, rung: rung, learningRate: nil, encoder: nil, template: nil, batchSize: nil, maxSteps: nil,
                         seed: nil, dev: curve.last?.1, test: nil, steps: curve.last?.0 ?? 0, warnings: [], folder: "trials/t\(index)",
                         devCurve: curve.map { SearchReport.DevSample(step: $0.0, dev: $0.1) })
    }

    @Test func everyTrialRunIsALineAndTheWinnerIsBold() {
        let report = SearchReport(strategy: .halving, trials: [row(0, rung: 0, curve: [(2, 0.5), (4, 0.6)]),
                                                               row(1, rung: 0, curve: [(2, 0.7), (4, 0.8)]),
                                                               row(1, rung: 1, curve: [(4, 0.7), (8, 0.9)])],
                                  winner: 1, notRun: 0, failed: 0, steps: 16)
        let svg = SearchChart.svg(report, title: "a <b> & c", metricName: "dev accuracy")
        #expect(svg.components(separatedBy: "class=\"dev\"").count - 1 == 3)
        for group in ["trial-0-rung-0", "trial-1-rung-0", "trial-1-rung-1"] { #expect(svg.contains("id=\"\(group)\""), "\(group)") }
        #expect(svg.components(separatedBy: "stroke-width=\"3\"").count - 1 == 2, "the winner's last run, in the chart and the legend")
        #expect(svg.contains("trial 2, rung 2 (winner)") && svg.contains("a &lt;b&gt; &amp; c") && !svg.contains("<b>"))
    }

    @Test func aSearchWithoutDevEvaluationsSaysSo() {
        let report = SearchReport(strategy: .grid, trials: [row(0, rung: nil, curve: [])], winner: 0, notRun: 0, failed: 0, steps: 0)
        #expect(SearchChart.svg(report, title: "t", metricName: "dev accuracy").contains("no dev evaluations"))
    }
}
