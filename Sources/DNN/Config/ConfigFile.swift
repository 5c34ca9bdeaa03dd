import Foundation

extension Config {
    /// Reads a config file, applies `--set` overrides to its JSON, and decodes it.
    ///
    /// Relative paths in the config are resolved against the file's folder; `name`
    /// defaults to the file's name without its extension.
    ///
    /// - Parameters:
    ///   - path: the config file, as the user gave it (errors name it this way).
    ///   - overrides: `PATH=VALUE` arguments of `--set`, applied in order.
    /// - Throws: `DNNError` of kind `.io` when the file cannot be read, `.config` at
    ///   `file:line:column` for a JSON syntax error or at a JSON path for a bad value,
    ///   `.usage` for a malformed override.
    public static func load(path: String, overrides: [String] = []) throws -> LoadedConfig {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DNNError(.io, at: path, "no such config file")
        }
        guard !isDirectory.boolValue else {
            throw DNNError(.io, at: path, "is a folder, expected a JSON config file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DNNError(.io, at: path, "cannot read the config file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DNNError(.config, at: path, "the config file is not UTF-8 text")
        }
        let json = try JSON.parse(text, file: path).applying(overrides: overrides)
        let absolute = ConfigDecoder.absolutePath(path, base: FileManager.default.currentDirectoryPath)
        let url = URL(fileURLWithPath: absolute)
        let (config, warnings) = try decode(json, baseDirectory: url.deletingLastPathComponent().path,
                                            defaultName: url.deletingPathExtension().lastPathComponent)
        return LoadedConfig(config: config, warnings: warnings, json: json)
    }
}
