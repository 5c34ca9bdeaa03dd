/// Decoding of `{"format": "images", ...}` sources and of `normalize: {"mean", "std"}`.
extension ConfigDecoder {
    static let imageKeys = ["format", "path", "index", "label", "channels", "size", "skip_bad"]

    /// `{"format": "images", "path": DIR}` or `{"format": "images", "index": CSV, "label": COLUMN}`,
    /// with `channels` (3), `size` ([H, W], optional) and `skip_bad` (false).
    func imageSource(_ json: JSON, at path: String) throws -> (source: DataSource, json: JSON) {
        let object = try ConfigObject(json, at: path, keys: Self.imageKeys, what: "an images source")
        object.record("format", "images")
        let location: ImageSource.Location
        switch (object.contains("path"), object.contains("index")) {
        case (true, false):
            if object.contains("label") {
                throw DNNError.config(object.path("label"), "an image folder's classes are its subfolders",
                                      hint: "remove label, or list the files in an index CSV with \"index\"")
            }
            location = .folder(try file(object, "path"))
        case (false, true):
            let index = try file(object, "index")
            location = .index(index, labels: try labelColumns(object))
        default:
            throw DNNError.config(path, "an images source takes either \"path\" (a folder with one subfolder per class) "
                                  + "or \"index\" (a CSV of paths and labels)")
        }
        var source = ImageSource(location: location)
        source.channels = try object.int("channels", default: 3, minimum: 1)
        guard source.channels == 1 || source.channels == 3 else {
            throw DNNError.config(object.path("channels"), "must be 1 (grey, Pillow's \"L\") or 3 (RGB), got \(source.channels)")
        }
        source.size = try object.optional("size") { value, sizePath -> ([Int], JSON) in
            let size = try Self.imageSize(value, at: sizePath)
            return (size, .array(size.map { .integer($0) }))
        }
        source.skipBad = try object.bool("skip_bad", default: false)
        return (.images(source), object.resolvedJSON)
    }

    /// `[H, W]`, each in 1...65,536.
    static func imageSize(_ value: JSON, at path: String) throws -> [Int] {
        guard case .array(let items) = value, items.count == 2 else {
            throw DNNError.config(path, "expected [height, width], got \(value.quotedForMessage)")
        }
        return try items.enumerated().map { index, item in
            let side = try ConfigValue.int(item, at: "\(path)[\(index)]", minimum: 1)
            guard side <= 65_536 else { throw DNNError.config("\(path)[\(index)]", "must be at most 65536, got \(side)") }
            return side
        }
    }

    /// `normalize`: a kind by name, or `{"mean": [...], "std": [...]}` (one value per
    /// image channel; std positive).
    static func normalize(_ object: ConfigObject) throws -> (NormalizeKind, ChannelStatistics?) {
        guard case .object? = object["normalize"] else {
            let name = try object.choice("normalize", default: "none", options: NormalizeKind.named.map(\.rawValue),
                                         what: "normalization")
            return (NormalizeKind(rawValue: name) ?? .none, nil)
        }
        let statistics = try object.optional("normalize") { value, path -> (ChannelStatistics, JSON) in
            let inner = try ConfigObject(value, at: path, keys: ["mean", "std"], what: path,
                                         expected: "{\"mean\": [...], \"std\": [...]}")
            func list(_ key: String) throws -> [Float] {
                guard case .array(let items)? = inner[key], !items.isEmpty else {
                    throw DNNError.config(inner.path(key), "expected a non-empty list of numbers, one per channel")
                }
                return try items.enumerated().map { Float(try ConfigValue.double($1, at: "\(inner.path(key))[\($0)]", .any)) }
            }
            let mean = try list("mean"), std = try list("std")
            guard mean.count == std.count else {
                throw DNNError.config(inner.path("std"), "has \(std.count) values but mean has \(mean.count)")
            }
            if let bad = std.firstIndex(where: { !($0 > 0) }) {
                throw DNNError.config("\(inner.path("std"))[\(bad)]", "must be positive, got \(std[bad])")
            }
            inner.record("mean", .array(mean.map { .number(Double($0)) }))
            inner.record("std", .array(std.map { .number(Double($0)) }))
            return (ChannelStatistics(mean: mean, std: std), inner.resolvedJSON)
        }
        return (.channels, statistics)
    }
}
