import PTuning

/// A task kind's table of task.toml as `TaskKind.read` sees it: the `ManifestTable` reads, problems
/// reported under the table's name, and the bundle's files for a kind setting that names one.
struct KindManifestTable: KindManifest {
    /// The manifest's top level, where a problem with the table as a whole is reported.
    let top: ManifestTable
    let name: String
    let table: ManifestTable?
    let labelField: String
    let files: BundleFileReader
    let limits: BundleLoader.Limits

    var hasTable: Bool { table != nil }
    var keys: [String] { table?.table.keys ?? [] }

    func contains(_ key: String) -> Bool { table?.contains(key) ?? false }
    func nonEmptyString(_ key: String) -> String? { table?.nonEmptyString(key) }
    func stringArray(_ key: String) -> [String]? { table?.stringArray(key) }

    func number(_ key: String, allowed: String, _ isAllowed: (Double) -> Bool) -> Double? {
        table?.number(key, allowed: allowed, isAllowed)
    }

    func problem(_ key: String?, _ message: String, hint: String?) {
        if let key, let table {
            table.problem(key, message, hint: hint)
        } else {
            top.problem(name, message, hint: hint)
        }
    }

    func lines(ofFile path: String, key: String) -> [String]? {
        if let error = BundleFileReader.checkRelativePath(path) {
            problem(key, error.message, hint: error.hint)
            return nil
        }
        let bytes: [UInt8]
        do {
            bytes = try files.contents(of: path)
        } catch {
            top.diagnostics.collector.add(file: path, error.message, hint: error.hint)
            return nil
        }
        let lines = DataLines(bytes, file: path, maxLineBytes: limits.maxLineBytes, maxLines: limits.maxDataLines,
                              problems: &top.diagnostics.collector)
        return lines.lines.map { $0.text.trimmingCharacters(in: .whitespaces) }
    }

    func fileProblem(_ path: String, _ message: String) {
        top.diagnostics.collector.add(file: path, message)
    }
}
