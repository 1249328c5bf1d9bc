/// ptune's release version: what `ptune --version` prints and every report.json records
/// (`job.ptune_version`), so a prompt can be traced to the build that trained it.
public enum ProductVersion {
    public static let current = "0.1.0"
}
