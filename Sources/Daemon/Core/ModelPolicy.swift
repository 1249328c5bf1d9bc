import Base
import Foundation
import Glibc

/// The daemon opens models only from its model directory: a bundle names a model by its file or
/// folder name there (which may be a link the administrator made), or by an absolute path that
/// resolves inside it. Checked at intake, so a bundle naming any other file is rejected before a
/// worker could open it.
enum ModelPolicy {
    /// Why the bundle's `model` cannot be used, or nil when it is a model in `directory`.
    static func problem(with model: String, directory: String) -> TaskProblem? {
        let root = canonical(directory) ?? directory
        let available = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        let hint = available.isEmpty ? "the directory is empty; ask the administrator to install the model"
                                     : "models there: " + available.prefix(10).joined(separator: ", ")
        guard model.hasPrefix("/") else {
            if model.contains("/") || model == "." || model == ".." {
                return TaskProblem(file: "task.toml", field: "model",
                                   message: "\"\(model)\" is not a model name (a file or folder name in the model directory \(directory))",
                                   hint: hint)
            }
            // A name the administrator put there, possibly as a link to the model's real place.
            guard FileManager.default.fileExists(atPath: directory + "/" + model) else {
                return TaskProblem(file: "task.toml", field: "model",
                                   message: "no model \"\(model)\" in the model directory \(directory)", hint: hint)
            }
            return nil
        }
        guard let resolved = canonical(model) else {
            return TaskProblem(file: "task.toml", field: "model",
                               message: "no model \(model) (it must be in the model directory \(directory))", hint: hint)
        }
        guard resolved.hasPrefix(root + "/") else {
            return TaskProblem(file: "task.toml", field: "model",
                               message: "\(model) is outside the model directory \(directory); the daemon opens models only from there",
                               hint: hint)
        }
        return nil
    }

    /// `path` with links and `..` resolved, or nil when it does not exist.
    private static func canonical(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
