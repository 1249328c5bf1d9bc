import Base
import Foundation
import LM
import Tensor

/// A resumable snapshot of one seed's run: encoder parameters, optimizer state, progress, the best
/// prompt table so far and the mean of the tail's tables so far. The data order needs no saved random
/// state: it is a function of seed and epoch.
public struct Checkpoint: Sendable {
    var state: RunState
    let parameters: FloatBuffer
    let optimizer: AdamOptimizer.State
    let bestTable: FloatBuffer?
    let tailMean: FloatBuffer?
}

/// Checkpoints and finished seeds of one training run, in one directory. Every file is written to a
/// temporary name, fsynced and renamed, so a crash leaves the previous version whole.
///
/// Files: `checkpoint-SEED.safetensors` (the run in progress), `seed-SEED.json` and
/// `seed-SEED.safetensors` (a finished seed's result and kept prompt table).
public struct CheckpointStore: Sendable {
    public let directory: URL

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func save(_ checkpoint: Checkpoint) throws {
        var tensors = [
            SafetensorsTensor(name: "encoder.parameters", shape: [checkpoint.parameters.count], values: checkpoint.parameters),
            SafetensorsTensor(name: "optimizer.m", shape: [checkpoint.optimizer.firstMoment.count],
                              values: checkpoint.optimizer.firstMoment),
            SafetensorsTensor(name: "optimizer.v", shape: [checkpoint.optimizer.secondMoment.count],
                              values: checkpoint.optimizer.secondMoment),
        ]
        if let best = checkpoint.bestTable {
            tensors.append(SafetensorsTensor(name: "best.table", shape: [best.count], values: best))
        }
        if let mean = checkpoint.tailMean {
            tensors.append(SafetensorsTensor(name: "tail.mean", shape: [mean.count], values: mean))
        }
        let state = String(decoding: try JSONEncoder().encode(checkpoint.state), as: UTF8.self)
        try writeSafetensors(tensors: tensors, metadata: ["state": state, "optimizer.step": String(checkpoint.optimizer.step)],
                             to: path("checkpoint-\(checkpoint.state.seed).safetensors"))
    }

    func load(seed: UInt64) throws -> Checkpoint? {
        let file = path("checkpoint-\(seed).safetensors")
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let st = try SafetensorsFile(path: file)
        guard let json = st.metadata["state"], let step = st.metadata["optimizer.step"].flatMap(Int.init) else {
            throw CheckpointError.malformed(path: file, detail: "metadata lacks the run state")
        }
        let state = try JSONDecoder().decode(RunState.self, from: Data(json.utf8))
        let optimizer = AdamOptimizer.State(firstMoment: try st.floats("optimizer.m").array,
                                            secondMoment: try st.floats("optimizer.v").array, step: step)
        func optional(_ name: String) throws -> FloatBuffer? { st.tensors[name] == nil ? nil : try st.floats(name) }
        return Checkpoint(state: state, parameters: try st.floats("encoder.parameters"), optimizer: optimizer,
                          bestTable: try optional("best.table"), tailMean: try optional("tail.mean"))
    }

    func saveFinishedSeed(_ result: SeedResult, table: FloatBuffer) throws {
        try writeSafetensors(tensors: [SafetensorsTensor(name: "table", shape: [table.count], values: table)],
                             to: path("seed-\(result.seed).safetensors"))
        try AtomicFile.write(try JSONEncoder().encode(result), to: path("seed-\(result.seed).json"))
        try? FileManager.default.removeItem(atPath: path("checkpoint-\(result.seed).safetensors"))
    }

    func finishedSeed(_ seed: UInt64) throws -> (result: SeedResult, table: FloatBuffer)? {
        let json = path("seed-\(seed).json")
        guard FileManager.default.fileExists(atPath: json) else { return nil }
        let result = try JSONDecoder().decode(SeedResult.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        return (result, try SafetensorsFile(path: path("seed-\(seed).safetensors")).floats("table"))
    }
}

public enum CheckpointError: Error, CustomStringConvertible {
    case malformed(path: String, detail: String)

    public var description: String {
        switch self {
        case let .malformed(path, detail):
            "checkpoint \(path) is unusable: \(detail); delete it to start that seed over"
        }
    }
}
