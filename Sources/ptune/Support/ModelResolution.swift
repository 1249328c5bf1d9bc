import Foundation

/// Finds the model a bundle names: an absolute path, or a file or folder name in the model directory
/// ($PTUNE_MODELS, default ~/.cache/ptune/models).
enum ModelResolution {
    static var modelDirectory: String {
        let env = ProcessInfo.processInfo.environment
        return env["PTUNE_MODELS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/ptune/models")
    }

    static func resolve(_ name: String) throws -> String {
        if name.hasPrefix("/") {
            guard FileManager.default.fileExists(atPath: name) else {
                throw CLIError("the model \(name) does not exist", hint: "fix `model` in task.toml or pass --model")
            }
            return name
        }
        let path = (modelDirectory as NSString).appendingPathComponent(name)
        guard !name.contains("/"), FileManager.default.fileExists(atPath: path) else {
            throw CLIError("the model \"\(name)\" is not in the model directory \(modelDirectory)",
                           hint: "put it there (make model fetches SmolLM2), set PTUNE_MODELS, or pass --model PATH")
        }
        return path
    }
}
