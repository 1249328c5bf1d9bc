/// What a training job may use, from the manifest's `[limits]` table.
public struct JobLimits: Sendable, Equatable {
    /// Worker threads (`threads`, 1...1024; default 2).
    public var threads: Int
    /// Memory budget in MiB (`memory_mb`, at least 64; default 4096).
    public var memoryMB: Int
    /// Wall-clock budget in seconds (`wall_time`, seconds or a duration such as "1h30m"; default 6 h).
    public var wallTimeSeconds: Int
    /// The longest `wall_time` a bundle may ask for: 365 days.
    public static let maxWallTimeSeconds = 365 * 86_400
    /// Scheduling priority, -20 to 20: higher runs first (`priority`; default 0).
    public var priority: Int

    public init(threads: Int = 2, memoryMB: Int = 4096, wallTimeSeconds: Int = 6 * 3600, priority: Int = 0) {
        self.threads = threads
        self.memoryMB = memoryMB
        self.wallTimeSeconds = wallTimeSeconds
        self.priority = priority
    }
}
