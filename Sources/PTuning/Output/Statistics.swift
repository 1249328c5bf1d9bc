extension RunReport.Statistic {
    /// Mean and sample standard deviation of `values`; nil when there are none.
    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        self.n = values.count
        self.mean = mean
        std = values.count < 2 ? nil : (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
    }
}

extension RunReport.MetricSummary {
    /// Statistics of each metric over the splits that report it.
    init(_ splits: [Metrics]) {
        self.init()
        for name in MetricName.allCases {
            self[name] = RunReport.Statistic(splits.compactMap { $0.values[name] })
        }
    }
}
