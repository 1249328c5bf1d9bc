import Base
import Foundation

/// Finds the model a bundle names: an absolute path, or a file or folder name in the model directory
/// ($PTUNE_MODELS, default ~/.cache/ptune/models).
public enum ModelResolution {
    /// $PTUNE_MODELS, or ~/.cache/ptune/models.
    public static var modelDirectory: String {
        let env = ProcessInfo.processInfo.environment
        return env["PTUNE_MODELS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/ptune/models")
    }

    /// The path of the model `name`: an existing absolute path, or a name in `modelDirectory`.
    public static func resolve(_ name: String) throws(ActionableError) -> String {
        if name.hasPrefix("/") {
            guard FileManager.default.fileExists(atPath: name) else {
                throw ActionableError("the model \(name) does not exist", hint: "fix `model` in task.toml or pass --model")
            }
            return name
        }
        let path = (modelDirectory as NSString).appendingPathComponent(name)
        guard !name.contains("/"), FileManager.default.fileExists(atPath: path) else {
            throw ActionableError("the model \"\(name)\" is not in the model directory \(modelDirectory)",
                           hint: "put it there (make model fetches SmolLM2), set PTUNE_MODELS, or pass --model PATH")
        }
        return path
    }
}
