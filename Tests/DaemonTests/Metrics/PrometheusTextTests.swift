@testable import Daemon
import Testing

/// The exposition writer: escaping, number forms, and every family once.
struct PrometheusTextTests {
    @Test func labelValuesEscapeBackslashQuoteAndNewline() {
        #expect(PrometheusText.escapeLabel(#"a\b"c"# + "\nd") == #"a\\b\"c\nd"#)
        #expect(PrometheusText.escapeLabel("naïve 名前") == "naïve 名前")
        #expect(PrometheusText.escapeHelp("x\\y\nz") == #"x\\y\nz"#)
    }

    @Test func numbersAreWrittenExactly() {
        #expect(PrometheusText.format(3) == "3")
        #expect(PrometheusText.format(-2) == "-2")
        #expect(PrometheusText.format(0.25) == "0.25")
        #expect(PrometheusText.format(1e20) == "1e+20")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
        #expect(Double(PrometheusText.format(0.1 + 0.2)) == 0.1 + 0.2)
    }

    @Test func aHistogramHasCumulativeBucketsSumAndCount() {
        var text = PrometheusText()
        text.histogram("x_seconds", help: "h", bounds: [1, 10], cumulative: [2, 3], count: 4, sum: 31.5)
        #expect(text.text == """
            # HELP x_seconds h
            # TYPE x_seconds histogram
            x_seconds_bucket{le="1"} 2
            x_seconds_bucket{le="10"} 3
            x_seconds_bucket{le="+Inf"} 4
            x_seconds_sum 31.5
            x_seconds_count 4

            """)
    }

    @Test(.enabled(if: PrometheusParser.available, "needs python3-prometheus-client (make test installs it)"))
    func hostileLabelValuesStillParse() throws {
        var text = PrometheusText()
        let name = "job \"x\"\\\n}{ # HELP"
        text.family("t", .gauge, help: "a \\ help\nline")
        text.sample("t", [("name", name)], 1.5)
        let samples = try PrometheusParser.parse(text.text)
        #expect(samples == [PrometheusParser.Sample(name: "t", labels: ["name": name], value: 1.5)])
    }
}
