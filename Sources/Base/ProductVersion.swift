/// ptune's release version: what `ptune --version` prints and every report.json records
/// (`job.ptune_version`), so a prompt can be traced to the release that trained it. Raised with every
/// release that changes what training computes or writes.
public enum ProductVersion {
    public static let current = "0.1.0"
}
