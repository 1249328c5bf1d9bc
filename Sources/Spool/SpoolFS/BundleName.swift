/// Names of bundles in the spool: `NAME` for a folder, `NAME.tar` or `NAME.tar.zst` for an archive.
enum BundleName {
    /// The archive extensions a bundle file may have, longest first.
    static let archiveExtensions = [".tar.zst", ".tar"]

    /// The archive extension of `name`, or nil when it is not an archive name.
    static func archiveExtension(of name: String) -> String? {
        archiveExtensions.first { name.hasSuffix($0) && name.count > $0.count }
    }

    /// The longest file name Linux file systems take, in bytes.
    static let maxBytes = 255

    /// `name` itself for `number` 1, else `NAME-number` with an archive extension kept at the end,
    /// NAME shortened (by whole characters) where the result would be longer than `maxBytes`.
    static func variant(of name: String, number: Int) -> String {
        guard number > 1 else { return name }
        let ext = archiveExtension(of: name) ?? ""
        var base = Substring(name.dropLast(ext.count))
        let tail = "-\(number)\(ext)"
        while !base.isEmpty && base.utf8.count + tail.utf8.count > maxBytes { base = base.dropLast() }
        return base + tail
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
