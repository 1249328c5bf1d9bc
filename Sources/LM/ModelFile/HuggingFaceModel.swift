import Foundation
import Tensor

extension ModelLoader {
    /// Opens a Hugging Face folder: `config.json` and a single `model.safetensors` (F32, F16 or BF16).
    /// The output head is tied when `tie_word_embeddings` is set or `lm_head.weight` is absent.
    static func openHuggingFace(folder: String) throws -> OpenedModel {
        let configPath = folder + "/config.json"
        let weightsPath = folder + "/model.safetensors"
        var config = try HuggingFaceConfig.decoderConfig(contentsOf: configPath)
        guard let names = config.architecture.huggingFaceNames else {
            throw ModelFileError.unsupportedFeature(path: folder, feature: "a \(config.architecture) checkpoint in "
                                                    + "Hugging Face format (use the model's GGUF file)")
        }
        let manager = FileManager.default
        if !manager.fileExists(atPath: weightsPath), manager.fileExists(atPath: weightsPath + ".index.json") {
            throw ModelFileError.unsupportedFeature(path: folder, feature: "a sharded safetensors checkpoint "
                                                    + "(merge the shards into one model.safetensors)")
        }
        let file = try SafetensorsFile(path: weightsPath)
        config.tiedOutput = config.tiedOutput || file.tensors[names.outputHead] == nil

        let source = WeightSource(config: config, names: names) { name, shape in
            try checked(name, try file.tensorInfo(name).shape, shape, path: weightsPath)
            return try file.stored(name)
        }
        return OpenedModel(config: config, vocabulary: nil, weights: source, sha256: { file.sha256() }, path: folder)
    }
}
