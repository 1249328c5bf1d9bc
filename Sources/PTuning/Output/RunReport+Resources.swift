extension RunReport {
    /// What the run used of the machine.
    public struct Resources: Codable, Sendable, Equatable {
        public var threads: Int
        public var peakRSSMB: Double
        /// The keys and values kept of the text before the first pseudo token; nil when no pass had
        /// such text (or in reports written before they were kept).
        public var prefixCache: PrefixCacheUse?

        public init(threads: Int, peakRSSMB: Double, prefixCache: PrefixCacheUse? = nil) {
            self.threads = threads
            self.peakRSSMB = peakRSSMB
            self.prefixCache = prefixCache
        }

        enum CodingKeys: String, CodingKey {
            case threads
            case peakRSSMB = "peak_rss_mb"
            case prefixCache = "prefix_cache"
        }
    }

    /// What the run's `PrefixCache` held and how often it served.
    public struct PrefixCacheUse: Codable, Sendable, Equatable {
        /// The distinct texts kept, the MB their keys and values took, and the most they could take.
        public var texts: Int
        public var megabytes: Double
        public var limitMegabytes: Double
        /// Forward passes with text before the first pseudo token that read it, and those that
        /// computed it (a text of theirs not kept).
        public var passesReused: Int
        public var passesComputed: Int

        public init(texts: Int, megabytes: Double, limitMegabytes: Double, passesReused: Int, passesComputed: Int) {
            self.texts = texts
            self.megabytes = megabytes
            self.limitMegabytes = limitMegabytes
            self.passesReused = passesReused
            self.passesComputed = passesComputed
        }

        enum CodingKeys: String, CodingKey {
            case texts, megabytes
            case limitMegabytes = "limit_megabytes"
            case passesReused = "passes_reused"
            case passesComputed = "passes_computed"
        }
    }
}
