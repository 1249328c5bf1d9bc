import Foundation
import LM
import Tensor

/// A trained prompt on its own: `prompt.safetensors`, one F32 tensor `prompt_table` [m, H] and, in the
/// header's metadata, the task it answers, so `ptune predict` needs nothing else but the model.
///
/// Metadata (all strings): `format` "ptune-prompt", `format_version` "1", `task_name`, `task_kind`,
/// `template` (the source), `template_parts` (JSON list of parts, see `TemplatePartRecord`),
/// `label_words` (JSON list of `{"label", "word"}` or `null`), `candidates` (JSON list or `null`),
/// `choice_fields` (JSON list or `null`), `choice_margin`, `label_field`, `pseudo_tokens` (m),
/// `hidden_size` (H), `target_prefix`, `max_length`, `encoder_kind`, `encoder_hidden_size`,
/// `model_name`, `model_sha256`, `bos` ("true" when the template's text begins with the model's BOS token;
/// files written before the key existed have none and were trained without it).
public struct PromptFile: Sendable {
    public static let format = "ptune-prompt"
    public static let formatVersion = "1"
    public static let tensorName = "prompt_table"

    /// [m, H] row-major.
    public var table: FloatBuffer
    /// The task, with the template, kind, label field, encoder settings and `max_length` as trained;
    /// the other training settings are defaults (report.json holds the ones used).
    public var spec: TaskSpec
    public var hiddenSize: Int
    public var targetPrefix: String
    public var modelName: String
    public var modelSHA256: String

    public init(table: FloatBuffer, spec: TaskSpec, hiddenSize: Int, targetPrefix: String,
                modelName: String, modelSHA256: String) {
        self.table = table
        self.spec = spec
        self.hiddenSize = hiddenSize
        self.targetPrefix = targetPrefix
        self.modelName = modelName
        self.modelSHA256 = modelSHA256
    }

    /// Writes the file atomically.
    public func write(to path: String) throws {
        let m = spec.template.pseudoTokenCount
        try writeSafetensors(tensors: [SafetensorsTensor(name: Self.tensorName, shape: [m, hiddenSize], values: table)],
                             metadata: try metadata(), to: path)
    }

    /// Reads a prompt file and rebuilds its task; throws `ModelFileError` when it is not a valid one.
    public static func load(path: String) throws -> PromptFile {
        try read(try SafetensorsFile(path: path))
    }

    /// A prompt file's `contents` held in memory (read from a database), named `name` in errors.
    public static func load(contents: Data, name: String) throws -> PromptFile {
        try read(try SafetensorsFile(contents: contents, name: name))
    }

    private static func read(_ file: SafetensorsFile) throws -> PromptFile {
        try decode(PromptMetadataReader(path: file.path, metadata: file.metadata), file: file, tensor: tensorName)
    }

    /// The prompt `fields` describe, its table the tensor `tensorName` of `file`.
    static func decode(_ fields: PromptMetadataReader, file: SafetensorsFile, tensor tensorName: String) throws -> PromptFile {
        let path = fields.path
        try fields.requireFormat(format, version: formatVersion)

        let partRecords: [TemplatePartRecord] = try fields.json("template_parts")
        let parts = try partRecords.map { record -> Template.Part in
            guard let part = record.part else {
                throw ModelFileError.malformed(path: path, what: "metadata template_parts", detail: "bad part \(record)")
            }
            return part
        }
        guard parts.last == .target, parts.filter({ $0 == .target }).count == 1 else {
            throw fields.invalid("template_parts", "the target slot must come once, last")
        }
        let template = Template(parts: parts, source: try fields.string("template"))
        guard template.pseudoTokenCount <= Template.maxPseudoTokens else {
            throw ModelFileError.malformed(path: path, what: "metadata template_parts", detail:
                "\(template.pseudoTokenCount) pseudo tokens, more than \(Template.maxPseudoTokens)")
        }
        let kindName = try fields.string("task_kind")
        guard let kindType = TaskKinds.named(kindName) else {
            throw ModelFileError.badValue(path: path, key: "task_kind", expected: TaskKinds.namesInWords, found: kindName)
        }
        let kind = try kindType.read(promptMetadata: fields)
        guard let encoderKind = EncoderKind(rawValue: try fields.string("encoder_kind")) else {
            throw ModelFileError.badValue(path: path, key: "encoder_kind", expected: "lstm, mlp or none",
                                          found: fields.metadata["encoder_kind"] ?? "")
        }
        var training = TrainingSettings()
        training.maxLength = try fields.number("max_length", in: TrainingSettings.maxLengthRange)
        let spec = TaskSpec(name: try fields.string("task_name"), kind: kind, template: template,
                            labelField: try fields.string("label_field"),
                            encoder: EncoderSettings(kind: encoderKind, hiddenSize: try fields.number("encoder_hidden_size")),
                            training: training, bos: fields.metadata["bos"] == nil ? false : try fields.bool("bos"))

        let m: Int = try fields.number("pseudo_tokens")
        let H: Int = try fields.number("hidden_size")
        guard m == template.pseudoTokenCount else {
            throw ModelFileError.malformed(path: path, what: "metadata pseudo_tokens",
                                           detail: "\(m), but the template has \(template.pseudoTokenCount) pseudo tokens")
        }
        let info = try file.tensorInfo(tensorName)
        guard info.shape == [m, H] else {
            throw ModelFileError.shapeMismatch(path: path, tensor: tensorName, expected: [m, H], found: info.shape)
        }
        return PromptFile(table: try file.floats(tensorName), spec: spec, hiddenSize: H,
                          targetPrefix: try fields.string("target_prefix"),
                          modelName: try fields.string("model_name"), modelSHA256: try fields.string("model_sha256"))
    }

    /// The metadata keys and values `write` puts in the file's header.
    func metadata() throws -> [String: String] {
        var metadata: [String: String] = [:]
        for kind in TaskKinds.all { metadata.merge(kind.absentPromptMetadata) { first, _ in first } }
        metadata.merge(try spec.kind.promptMetadata()) { _, own in own }
        return metadata.merging([
            "format": Self.format,
            "format_version": Self.formatVersion,
            "task_name": spec.name,
            "task_kind": spec.kind.name,
            "template": spec.template.source,
            "template_parts": try PromptMetadataReader.json(spec.template.parts.map(TemplatePartRecord.init)),
            "label_field": spec.labelField,
            "pseudo_tokens": String(spec.template.pseudoTokenCount),
            "hidden_size": String(hiddenSize),
            "target_prefix": targetPrefix,
            "max_length": String(spec.training.maxLength),
            "encoder_kind": spec.encoder.kind.rawValue,
            "encoder_hidden_size": String(spec.encoder.hiddenSize),
            "model_name": modelName,
            "model_sha256": modelSHA256,
            "bos": String(spec.bos == true),
        ]) { _, common in common }
    }
}

