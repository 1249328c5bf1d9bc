import Foundation
import PTuning

/// A loaded and validated task bundle: the manifest and every record of every split.
public struct TaskBundle: Sendable {
    /// The bundle's directory, with symbolic links resolved.
    public var root: URL
    /// The validated `task.toml`.
    public var manifest: BundleManifest
    /// The records of the train split, in file order; never empty.
    public var train: [Example]
    /// Empty when the bundle has no dev split.
    public var dev: [Example]
    /// Empty when the bundle has no test split.
    public var test: [Example]

    public init(root: URL, manifest: BundleManifest, train: [Example], dev: [Example] = [], test: [Example] = []) {
        self.root = root
        self.manifest = manifest
        self.train = train
        self.dev = dev
        self.test = test
    }
}
