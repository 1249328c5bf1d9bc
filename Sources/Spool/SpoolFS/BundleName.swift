/// Names of bundles in the spool: `NAME` for a folder, `NAME.tar` or `NAME.tar.zst` for an archive.
enum BundleName {
    /// The archive extensions a bundle file may have, longest first.
    static let archiveExtensions = [".tar.zst", ".tar"]

    /// The archive extension of `name`, or nil when it is not an archive name.
    static func archiveExtension(of name: String) -> String? {
        archiveExtensions.first { name.hasSuffix($0) && name.count > $0.count }
    }

    /// `name` itself for `number` 1, else `NAME-number` with an archive extension kept at the end.
    static func variant(of name: String, number: Int) -> String {
        guard number > 1 else { return name }
        let ext = archiveExtension(of: name) ?? ""
        return "\(name.dropLast(ext.count))-\(number)\(ext)"
    }

    /// Why `name` cannot name an entry of a spool folder, or nil when it can.
    static func problem(with name: String) -> String? {
        if name.isEmpty { return "the name is empty" }
        if name == "." || name == ".." || name.contains("/") || name.contains("\0") {
            return "\"\(name)\" is not a plain file name"
        }
        return nil
    }
}
