import Base
import Foundation
import LM
import PTuning
import Spool
import Tensor

/// A trained prompt ready to use: the prompt file, its model, and the encoder for its task.
public struct TrainedPrompt {
    public let prompt: PromptFile
    public let model: LanguageModel
    public let encoder: ExampleEncoder

    /// Loads `path` (a run's output folder or its prompt.safetensors) and the model it was trained
    /// against (`modelPath`, else the model directory entry of the same name), checking the model's
    /// SHA-256.
    public init(path: String, modelPath: String?, precision: Precision) throws {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        let file = exists && isFolder.boolValue ? (path as NSString).appendingPathComponent("prompt.safetensors") : path
        guard FileManager.default.fileExists(atPath: file) else {
            throw ActionableError("no prompt at \(file)", hint: "pass the output folder of `ptune train` or its prompt.safetensors")
        }
        try self.init(prompt: try PromptFile.load(path: file), modelPath: modelPath, precision: precision)
    }

    /// `prompt` with its model, as in `init(path:modelPath:precision:)`.
    public init(prompt: PromptFile, modelPath: String?, precision: Precision) throws {
        self.prompt = prompt
        model = try LanguageModel.load(path: modelPath ?? ModelResolution.resolve(prompt.modelName), precision: precision)
        guard model.sha256 == prompt.modelSHA256 else {
            throw ActionableError("the model at \(model.path) is not the one this prompt was trained against "
                           + "(sha256 \(model.sha256.prefix(12))… vs \(prompt.modelSHA256.prefix(12))…)",
                           hint: "use the model named \(prompt.modelName): --model, or `model` in a prediction bundle")
        }
        guard prompt.hiddenSize == model.transformer.config.hiddenSize else {
            throw ActionableError("the prompt's rows are \(prompt.hiddenSize) wide, the model's embeddings "
                                  + "\(model.transformer.config.hiddenSize): the prompt file is damaged",
                                  hint: "export it again from its job (`ptune export JOB --out DIR`)")
        }
        encoder = try ExampleEncoder(spec: prompt.spec, tokenizer: model.tokenizer)
    }

    /// The predictions for the records of `input`; `labelled` requires every record to carry its label.
    public func predict(input: String, labelled: Bool, batchSize: Int) throws -> [Prediction] {
        let examples = try RecordFile.load(URL(fileURLWithPath: input), spec: prompt.spec, labelled: labelled)
        let encoded = try encoder.encode(examples)
        return Evaluator(model: model, encoder: encoder).predict(encoded, table: prompt.table, batchSize: batchSize)
    }
}
