import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import PTuning
import Testing

/// Counts elements by name and their `class` attributes; records a parse error.
private final class SVGInspector: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var classes: [String: Int] = [:]
    var texts: [String] = []
    private var inText = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
        if let c = attributes["class"] { classes[c, default: 0] += 1 }
        if name == "text" { inText = true; texts.append("") }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { inText = false }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { texts[texts.count - 1] += string }
    }
}

struct LossChartTests {
    private func inspect(_ svg: String) throws -> SVGInspector {
        let parser = XMLParser(data: Data(svg.utf8))
        let inspector = SVGInspector()
        parser.delegate = inspector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        return inspector
    }

    @Test func isWellFormedWithALinePerSeed() throws {
        let svg = LossChart.svg(seeds: OutputFixtures.outcome().seeds, title: "sentiment", metricName: "dev accuracy")
        let inspector = try inspect(svg)
        #expect(inspector.elements["svg"] == 1)
        #expect(inspector.classes["loss-raw"] == 2)
        #expect(inspector.classes["loss-smooth"] == nil, "six points are too few to smooth")
        #expect(inspector.classes["dev"] == 2)
        #expect(inspector.texts.contains("seed 13") && inspector.texts.contains("seed 21"))
        #expect(inspector.texts.contains("training loss") && inspector.texts.contains("step"))
    }

    @Test func smoothsLongCurvesAsASecondLine() throws {
        var seed = OutputFixtures.outcome().seeds[0]
        seed.lossCurve = (1...50).map { LossPoint(step: $0, epoch: 0, loss: 1 / Double($0), learningRate: 1e-4) }
        let inspector = try inspect(LossChart.svg(seeds: [seed, seed], title: "t", metricName: "dev accuracy"))
        #expect(inspector.classes["loss-raw"] == 2)
        #expect(inspector.classes["loss-smooth"] == 2)
        #expect(inspector.texts.contains("EMA, weight 0.80"))
    }

    @Test func escapesText() throws {
        let title = "a <b> & \"c\""
        let svg = LossChart.svg(seeds: OutputFixtures.outcome().seeds, title: title, metricName: "dev <acc>")
        #expect(svg.contains("a &lt;b&gt; &amp; &quot;c&quot;"))
        #expect(!svg.contains("<b>"))
        let inspector = try inspect(svg)
        #expect(inspector.texts.contains(title))
        #expect(inspector.texts.contains("dev <acc>"))
    }

    @Test func drawsRunsWithoutDevOrSteps() throws {
        var seed = OutputFixtures.outcome().seeds[0]
        seed.devCurve = []
        let inspector = try inspect(LossChart.svg(seeds: [seed], title: "t", metricName: "dev accuracy"))
        #expect(inspector.texts.contains("no dev evaluations"))
        seed.lossCurve = []
        _ = try inspect(LossChart.svg(seeds: [seed], title: "t", metricName: "dev accuracy"))
        _ = try inspect(LossChart.svg(seeds: [], title: "t", metricName: "dev accuracy"))
    }

    @Test func smoothingIsBiasCorrected() {
        #expect(LossChart.ema([2, 2, 2], weight: 0.9).allSatisfy { abs($0 - 2) < 1e-12 })
        #expect(LossChart.smoothingWeight(pointCount: 5) == 0)
        #expect(LossChart.smoothingWeight(pointCount: 50) == 0.8)
    }
}
