import Foundation
import TestSupport

/// The Prometheus text format as the official Python client parses it (`prometheus_client.parser`,
/// Debian's python3-prometheus-client, which `make test` installs): the judge of what ptune writes.
enum PrometheusParser {
    /// One sample: its name, labels and value.
    struct Sample: Decodable, Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Debian's Python, which the Debian package serves (not a python3 earlier in PATH).
    static let python = "/usr/bin/python3"

    /// Whether python3 with prometheus_client is here.
    static let available: Bool = {
        (try? TestEnvironment.capture(python, ["-c", "import prometheus_client.parser"]).status) == 0
    }()

    /// Reads a file, or GETs a URL (failing on any status but 200), and prints its samples as JSON.
    private static let script = """
        import json, math, sys, urllib.request
        from prometheus_client.parser import text_string_to_metric_families
        source = sys.argv[1]
        if source.startswith("http://"):
            text = urllib.request.urlopen(source, timeout=10).read().decode("utf-8")
        else:
            text = open(source).read()
        samples = []
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if not math.isfinite(s.value):
                    continue
                samples.append({"name": s.name, "labels": s.labels, "value": s.value})
        json.dump(samples, sys.stdout)
        """

    /// Every finite sample of `text`; throws with the parser's message when it does not parse.
    static func parse(_ text: String) throws -> [Sample] {
        let file = TestEnvironment.temporaryDirectory("prom").appendingPathExtension("txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try run(source: file.path)
    }

    /// Every finite sample a GET of `url` answers with.
    static func scrape(_ url: String) throws -> [Sample] { try run(source: url) }

    private static func run(source: String) throws -> [Sample] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, source]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw ParseFailure(description: String(decoding: message, as: UTF8.self))
        }
        return try JSONDecoder().decode([Sample].self, from: data)
    }

    struct ParseFailure: Error, CustomStringConvertible { let description: String }
}

extension Array where Element == PrometheusParser.Sample {
    /// The value of the sample `name` with exactly these labels (nil when absent).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        first { $0.name == name && $0.labels == labels }?.value
    }

    /// The sum of every sample `name` whose labels include `labels`.
    func sum(_ name: String, where labels: [String: String] = [:]) -> Double {
        filter { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }.reduce(0) { $0 + $1.value }
    }
}
