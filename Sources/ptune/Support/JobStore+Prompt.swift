import Base
import Foundation
import PTuning
import Store

extension JobStore {
    /// The prompt job `jobID` stored (prompt.safetensors, its checksum checked), parsed in memory.
    func prompt(of jobID: String) throws -> PromptFile {
        let data = try artifact(jobID: jobID, name: "prompt.safetensors")
        do {
            return try PromptFile.load(contents: data, name: "the prompt of job \(jobID)")
        } catch {
            throw ActionableError("the prompt of job \(jobID) in the database is not a prompt file: \(error)",
                                  hint: "`ptune export \(jobID) --out DIR` writes it out to look at")
        }
    }
}
