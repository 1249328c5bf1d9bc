import ArgumentParser
import Foundation
import Store

/// `ptune metrics`: a job's metric series, with a terminal plot of the loss.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "Show a job's loss and dev metrics.")

    @OptionGroup var spoolOptions: SpoolOptions
    @Argument(help: "The job id or a unique prefix.") var job: String
    @Flag(name: .long, help: "Print every point as JSON.") var json = false

    func run() throws {
        let store = try spoolOptions.openStore()
        let record = try spoolOptions.job(job, in: store)
        let points = try store.metrics(jobID: record.id)
        if json {
            try JobFormatting.printJSON(points)
            return
        }
        guard !points.isEmpty else {
            print("no metrics yet for \(record.id) (\(record.state.rawValue))")
            return
        }
        let loss = points.filter { $0.name == "loss" }.sorted { ($0.attempt, $0.seed, $0.step) < ($1.attempt, $1.seed, $1.step) }
        if !loss.isEmpty {
            print("training loss of \(record.id) (\(record.name)), \(loss.count) steps")
            print(TerminalPlot.render(loss.map(\.value), height: 10, width: 64))
        }
        let others = points.filter { $0.name != "loss" && $0.name != "lr" }
        if !others.isEmpty {
            var table = TextTable(["SEED", "STEP", "METRIC", "VALUE"])
            for p in others { table.add([String(p.seed), String(p.step), p.name, String(format: "%.4f", p.value)]) }
            print("\n" + table.rendered)
        }
    }
}

/// A line plot in text: values resampled to `width` columns, `height` rows, with the y range labelled.
enum TerminalPlot {
    static func render(_ values: [Double], height: Int, width: Int) -> String {
        guard let lo = values.min(), let hi = values.max() else { return "" }
        let columns = min(width, values.count)
        let sampled = (0..<columns).map { c -> Double in
            let a = c * values.count / columns, b = max(a + 1, (c + 1) * values.count / columns)
            return values[a..<b].reduce(0, +) / Double(b - a)
        }
        let span = hi - lo > 0 ? hi - lo : 1
        var grid = Array(repeating: Array(repeating: Character(" "), count: columns), count: height)
        for (c, v) in sampled.enumerated() {
            let r = height - 1 - Int(((v - lo) / span * Double(height - 1)).rounded())
            grid[r][c] = "•"
        }
        let label = { (v: Double) in String(format: "%9.4f", v) }
        return grid.enumerated().map { r, row in
            (r == 0 ? label(hi) : r == height - 1 ? label(lo) : String(repeating: " ", count: 9)) + " ┤" + String(row)
        }.joined(separator: "\n") + "\n" + String(repeating: " ", count: 10) + "└" + String(repeating: "─", count: columns)
            + "\n" + String(repeating: " ", count: 11) + "step 1" + String(repeating: " ", count: max(1, columns - 12)) + "\(values.count)"
    }
}
