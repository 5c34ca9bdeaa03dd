import Foundation

/// The folder of one training run: `config.json`, `metrics.jsonl`, `last.safetensors`
/// (+ `last.state.safetensors`) and `best.safetensors`.
///
/// A folder that already holds checkpoints is never reused silently: it needs
/// `--resume` or `--force`.
public struct RunDirectory: Sendable {
    public let path: String

    public var configPath: String { path + "/config.json" }
    public var metricsPath: String { path + "/metrics.jsonl" }
    public var lastCheckpoint: String { path + "/last.safetensors" }
    public var bestCheckpoint: String { path + "/best.safetensors" }
    public var lastState: String { TrainingState.path(besides: lastCheckpoint) }

    /// Checks `requested` (or names a new `runs/<name>-<time>` folder) without creating
    /// anything: a refused command must leave the file system as it was. `create()` then
    /// makes the folder once every input of the command has been validated.
    /// - Parameter reuse: whether existing checkpoints in it may be replaced (`--resume`, `--force`).
    public static func plan(_ requested: String?, name: String, reuse: Bool) throws -> RunDirectory {
        let manager = FileManager.default
        let path: String
        if let requested {
            path = requested.hasSuffix("/") && requested.count > 1 ? String(requested.dropLast()) : requested
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw DNNError(.usage, at: "--out \(requested)", "is a file, not a directory")
                }
                let contents = (try? manager.contentsOfDirectory(atPath: path)) ?? []
                let checkpoints = contents.filter { $0.hasSuffix(".safetensors") }.sorted()
                if !checkpoints.isEmpty && !reuse {
                    throw DNNError(.usage, at: "--out \(requested)",
                                   "already holds checkpoints (\(checkpoints.joined(separator: ", ")))",
                                   hint: "continue that run with --resume \(path)/last.safetensors, replace it with --force, or choose another --out")
                }
            }
        } else {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            formatter.locale = Locale(identifier: "en_US_POSIX")
            let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
            let base = "runs/\(safeName.isEmpty ? "run" : safeName)-\(formatter.string(from: Date()))"
            var candidate = base, suffix = 2
            while manager.fileExists(atPath: candidate) {
                candidate = "\(base)-\(suffix)"
                suffix += 1
            }
            path = candidate
        }
        return RunDirectory(path: path)
    }

    /// Creates the folder (and its parents) if it does not exist yet.
    public func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DNNError(.io, at: path, "cannot create the run directory: \(error.localizedDescription)")
        }
    }

    /// Metrics rows already recorded, up to and including `epoch` (for `--resume`).
    public func metricsRows(through epoch: Int) throws -> [JSON] {
        guard let text = try? String(contentsOfFile: metricsPath, encoding: .utf8) else { return [] }
        var rows: [JSON] = []
        for (index, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
            let row = try JSON.parse(String(line), file: "\(metricsPath):\(index + 1)")
            if let rowEpoch = row["epoch"]?.int, rowEpoch <= epoch { rows.append(row) }
        }
        return rows
    }

    /// Rewrites `metrics.jsonl` atomically with one JSON object per line.
    public func writeMetrics(_ rows: [JSON]) throws {
        let text = rows.map { $0.serialized(pretty: false) + "\n" }.joined()
        try AtomicFile.write(Array(text.utf8), to: metricsPath)
    }
}
