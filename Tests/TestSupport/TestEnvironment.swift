import Base
import Foundation

/// Where tests find material that lives outside the repository, and why they skip without it.
public enum TestEnvironment {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The ptune binary built beside the test bundle, or `PTUNE_TEST_BINARY` (to run a suite
    /// against another build, such as the one before a fix).
    public static let ptuneBinary: String = {
        if let chosen = ProcessInfo.processInfo.environment["PTUNE_TEST_BINARY"] { return chosen }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [beside, beside.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("ptune").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return packageRoot.appendingPathComponent(".build/release/ptune").path
    }()

    /// `../shared` beside the clone (data and PyTorch reference values), when present.
    public static var shared: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The cached SmolLM2-135M GGUF that `make model` fetches, when present.
    public static var smolLM2: String? { cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf") }

    /// The cached Gemma 3 270M GGUF that `scripts/fetch-gemma3.sh` fetches, when present.
    public static var gemma3: String? { cachedModel("gemma-3-270m.Q4_K_M.gguf") }

    /// The cached Qwen2.5-Coder-0.5B-Instruct GGUF that `scripts/fetch-qwen2.sh` fetches, when present.
    public static var qwen25: String? { cachedModel("Qwen2.5-Coder-0.5B-Instruct.gguf") }

    /// The Python that `make interop` sets up for the round-trip tests (torch, transformers, PEFT):
    /// $PTUNE_INTEROP_PYTHON, else ~/.cache/ptune/interop/venv/bin/python once its install has
    /// completed (the `.complete` stamp `make interop` writes last).
    public static var interopPython: String? {
        if let given = ProcessInfo.processInfo.environment["PTUNE_INTEROP_PYTHON"], !given.isEmpty {
            return FileManager.default.isExecutableFile(atPath: given) ? given : nil
        }
        let venv = (NSHomeDirectory() as NSString).appendingPathComponent(".cache/ptune/interop/venv")
        let complete = FileManager.default.fileExists(atPath: venv + "/.complete")
        return complete ? venv + "/bin/python" : nil
    }

    /// The model file `name` in the model cache ($PTUNE_MODELS, else ~/.cache/ptune/models), when present.
    public static func cachedModel(_ name: String) -> String? {
        let env = ProcessInfo.processInfo.environment
        let cache = env["PTUNE_MODELS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/ptune/models")
        let path = (cache as NSString).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The reference values for SmolLM2, parsed, when `../shared` is present.
    public static var smolLM2Reference: [String: Any]? {
        guard let shared,
              let data = try? Data(contentsOf: shared.appendingPathComponent("reference/smollm2-135m-q4_1.json")),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return json
    }

    /// Bytes free for this user where `temporaryDirectory` makes its folders.
    public static var freeTemporaryBytes: Int64 {
        var info = statvfs()
        guard statvfs(processRoot.path, &info) == 0 else { return 0 }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// The folder of this test process under the system's temporary directory, holding every
    /// `temporaryDirectory`; removed when the process exits, so a run leaves nothing behind however
    /// its tests end. Open to every user (with the sticky bit, as /tmp) for the tests that act as
    /// other users.
    public static let processRoot: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ptune-tests-\(getpid())")
        FileSystem.removeTree(url.path)
        mkdir(url.path, 0o700)
        chmod(url.path, 0o1777)
        atexit { FileSystem.removeTree(TestEnvironment.processRoot.path) }
        return url
    }()

    /// Runs `tool` with `arguments` to its end, standard output and error into one pipe, and returns
    /// its status and what it printed. `environment` is its whole environment when given (else this
    /// process's).
    public static func capture(_ tool: String, _ arguments: [String],
                               environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// A fresh empty folder under `processRoot`, unique per call.
    public static func temporaryDirectory(_ label: String = "ptune-test") -> URL {
        let url = processRoot.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
