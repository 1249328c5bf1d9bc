import Glibc

/// Resource figures of this process.
public enum ResourceUsage {
    /// Peak resident set size so far, in MB (Linux reports ru_maxrss in KiB).
    public static var peakRSSMegabytes: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
