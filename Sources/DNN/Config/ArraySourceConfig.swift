/// The NumPy and CIFAR data sources of a config: `npy`, `npz`, `cifar10` and `cifar100`
/// (CONTRACT.md, "Data sources"), decoded key by key with their JSON paths.
extension ConfigDecoder {
    /// Every key an array source may have, for the first, format-blind check of a source.
    static let arraySourceKeys = ["x", "y", "targets", "files"]

    /// The keys of each array format.
    static func arraySourceKeys(_ format: String) -> [String] {
        switch format {
        case "npy": ["format", "x", "y", "targets"]
        case "npz": ["format", "path", "x", "y", "targets"]
        case "cifar10": ["format", "files"]
        default: ["format", "files", "label"]
        }
    }

    /// An `npy`, `npz`, `cifar10` or `cifar100` source at `path`.
    func arraySource(_ json: JSON, format: String, at path: String) throws -> (source: DataSource, json: JSON) {
        let object = try ConfigObject(json, at: path, keys: ConfigDecoder.arraySourceKeys(format), what: "a \(format) source")
        object.record("format", .string(format))
        switch format {
        case "npy":
            let x = try file(object, "x"), y = try file(object, "y")
            return (.npy(x: x, y: y, targets: try targetNames(object, columns: NumPySource.columnCount(npy: y))), object.resolvedJSON)
        case "npz":
            let archive = try file(object, "path")
            let x = try member(object, "x"), y = try member(object, "y")
            let targets = try targetNames(object, columns: NumPySource.columnCount(npz: archive, member: y))
            return (.npz(path: archive, x: x, y: y, targets: targets), object.resolvedJSON)
        case "cifar10":
            return (.cifar10(files: try files(object)), object.resolvedJSON)
        default:
            let files = try files(object)
            let label = try object.choice("label", default: CIFARLabel.fine.rawValue, options: CIFARLabel.allCases.map(\.rawValue),
                                          what: "CIFAR-100 label")
            return (.cifar100(files: files, label: CIFARLabel(rawValue: label) ?? .fine), object.resolvedJSON)
        }
    }

    /// An `.npz` member name, given without `.npy` (default: the key itself, `x` or `y`).
    private func member(_ object: ConfigObject, _ key: String) throws -> String {
        let name = object.contains(key) ? try object.string(key, expected: "an array name in the archive (a string)") : key
        if name.hasSuffix(".npy") {
            throw DNNError.config(object.path(key), "names the member '\(name)'; give the array's name without .npy",
                                  hint: "\"\(key)\": \"\(name.dropLast(4))\"")
        }
        object.record(key, .string(name))
        return name
    }

    /// `files`: a non-empty list of paths, each resolved against the config's folder.
    private func files(_ object: ConfigObject) throws -> [String] {
        let hint = "a list of CIFAR binary files, e.g. [\"cifar-10-batches-bin/data_batch_1.bin\"]"
        guard case .array(let items) = try object.required("files", hint: hint) else {
            throw DNNError.config(object.path("files"), "expected a list of file paths", hint: hint)
        }
        guard !items.isEmpty else { throw DNNError.config(object.path("files"), "the list of files is empty", hint: hint) }
        let paths = try items.enumerated().map { index, item in
            ConfigDecoder.absolutePath(try ConfigValue.string(item, at: "\(object.path("files"))[\(index)]", expected: "a file path (a string)"),
                                       base: baseDirectory)
        }
        object.record("files", .array(paths.map { .string($0) }))
        return paths
    }

    /// `targets`: the names of y's columns for regression. When absent, a y of shape (N, D)
    /// (`columns` D, read from its header) names its D targets `y0`, `y1`, ..., and any
    /// other y (or one that cannot be read yet: its reader reports why) is one target `y`.
    /// The names are recorded, so a checkpoint's config says how many targets it predicts.
    private func targetNames(_ object: ConfigObject, columns: @autoclosure () -> Int?) throws -> [String] {
        guard object.contains("targets") else {
            let count = columns() ?? 1
            let names = count > 1 ? (0..<count).map { "y\($0)" } : ["y"]
            object.record("targets", .array(names.map { .string($0) }))
            return names
        }
        let path = object.path("targets")
        guard case .array(let items) = object["targets"]!, !items.isEmpty else {
            throw DNNError.config(path, "expected a non-empty list of target names, one per column of y")
        }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            let name = try ConfigValue.string(item, at: "\(path)[\(index)]", expected: "a target name (a string)")
            guard !names.contains(name) else { throw DNNError.config("\(path)[\(index)]", "'\(name)' is listed twice") }
            names.append(name)
        }
        object.record("targets", .array(names.map { .string($0) }))
        return names
    }
}
