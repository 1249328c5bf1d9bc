/// Caps on what an archived bundle may unpack to; anything past them stops the extraction.
public struct ArchiveLimits: Sendable, Equatable {
    /// Most entries (files, folders, and extended headers) in the archive.
    public var maxEntries: Int
    /// Most path components of an entry (`a/b/c` has 3).
    public var maxDepth: Int
    /// Most bytes of file contents in all, counted from the headers before any is written.
    public var maxTotalBytes: Int

    public init(maxEntries: Int = 10_000, maxDepth: Int = 16, maxTotalBytes: Int = 1 << 30) {
        self.maxEntries = maxEntries
        self.maxDepth = maxDepth
        self.maxTotalBytes = maxTotalBytes
    }
}
