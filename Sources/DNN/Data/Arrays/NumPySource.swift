/// The `npy` and `npz` data sources: `{"format": "npy", "x": P, "y": P}` and
/// `{"format": "npz", "path": P, "x": "x_train", "y": "y_train"}` (member names without
/// `.npy`).
public enum NumPySource {
    /// x and y from two `.npy` files (y nil: unlabelled).
    static func readNPY(x: String, y: String?, targets: [String] = ["y"]) throws -> LabelledTable {
        let features = try NPYArray.read(path: x)
        return try ArrayTable.table(x: features, y: try y.map(NPYArray.read), targets: targets)
    }

    /// x and y from members of an `.npz` archive (y nil: unlabelled). The archive's
    /// `classes` and `features` members, when present, name the classes and the features
    /// (`dnn convert` writes them).
    static func readNPZ(path: String, x: String, y: String?, targets: [String] = ["y"]) throws -> LabelledTable {
        let archive = try ZipArchive.open(path: path)
        let classes = y == nil ? nil : try archive.optionalArray("classes")
        return try ArrayTable.table(x: try archive.array(x), y: try y.map { try archive.array($0) }, classes: classes,
                                    featureNames: try archive.optionalArray("features"), targets: targets)
    }
}

extension NumPySource {
    /// D for a float y of shape (N, D) in the `.npy` at `path`, from its header (the
    /// contract: "(N, D) floats are D targets"); nil for any other y, or when the file
    /// cannot be read (its reader says why, later).
    static func columnCount(npy path: String) -> Int? {
        guard let y = try? NPYArray.read(path: path) else { return nil }
        return columnCount(y)
    }

    private static func columnCount(_ y: NPYArray) -> Int? {
        y.shape.count == 2 && y.dtype.kind == .float ? y.shape[1] : nil
    }

    /// D for a y of shape (N, D) in member `member` of the `.npz` at `path`, as `columnCount(npy:)`.
    static func columnCount(npz path: String, member: String) -> Int? {
        guard let archive = try? ZipArchive.open(path: path), let y = try? archive.optionalArray(member) else { return nil }
        return columnCount(y)
    }

    /// Whether the file at `path` is an `.npy` (NPY magic) or a ZIP archive (an `.npz`):
    /// recognised by its first bytes, never by its name; false when it cannot be read.
    public static func isArrayFile(_ path: String) -> Bool {
        guard let region = try? ByteRegion.file(path) else { return false }
        return NPYHeader.hasMagic(region.bytes) || region.bytes.starts(with: [0x50, 0x4B, 0x03, 0x04])
            || region.bytes.starts(with: [0x50, 0x4B, 0x05, 0x06])
    }

    /// The samples of an `.npy`, or of an `.npz`'s array `x`, else its array `member` (the
    /// one a checkpoint was trained on), without labels: what `dnn predict` reads.
    /// - Throws: `DNNError(.data)` naming the archive's arrays when it has neither; as the readers.
    public static func readSamples(path: String, member: String?) throws -> LabelledTable {
        let region = try ByteRegion.file(path)
        if NPYHeader.hasMagic(region.bytes) {
            return try ArrayTable.table(x: NPYArray(region: region, location: path), y: nil)
        }
        let archive = try ZipArchive(region: region, path: path)
        let name = archive.arrayNames.contains("x") ? "x" : (member ?? "x")
        return try ArrayTable.table(x: archive.array(name), y: nil)
    }
}

extension NumPySource {
    /// Labelled samples for `dnn eval --data`: an `.npy` of x with the `.npy` of y in
    /// `labels`, or an `.npz`'s `x` and `y` (else the arrays named by `source`, the
    /// checkpoint's training source, when it is an `.npz`), with the targets it names.
    public static func readLabelled(path: String, labels: String?, like source: DataSource) throws -> LabelledTable {
        let targets = source.labelColumns.isEmpty ? ["y"] : source.labelColumns
        let region = try ByteRegion.file(path)
        if NPYHeader.hasMagic(region.bytes) {
            guard let labels else {
                throw DNNError(.usage, at: "--data \(path)", "an .npy holds x only; give its labels with --labels Y.npy")
            }
            return try ArrayTable.table(x: NPYArray(region: region, location: path), y: NPYArray.read(path: labels), targets: targets)
        }
        let archive = try ZipArchive(region: region, path: path)
        var (x, y) = ("x", "y")
        if case let .npz(_, trainedX, trainedY, _) = source {
            if !archive.arrayNames.contains(x) { x = trainedX }
            if !archive.arrayNames.contains(y) { y = trainedY }
        }
        return try ArrayTable.table(x: archive.array(x), y: archive.array(y), classes: archive.optionalArray("classes"),
                                    featureNames: archive.optionalArray("features"), targets: targets)
    }
}

extension ZipArchive {
    /// The array in member `name` + `.npy`.
    /// - Throws: `DNNError(.data)` naming the archive and the members it has when there is
    ///   no such member; as `contents(of:)` and `NPYHeader.parse` for a damaged one.
    func array(_ name: String) throws -> NPYArray {
        guard let array = try optionalArray(name) else {
            let names = arrayNames
            throw DNNError(.data, at: path, "has no array '\(name)' (member \(name).npy); it holds \(names.isEmpty ? "none" : names.joined(separator: ", "))",
                           hint: nearest(name, in: names).map { "did you mean '\($0)'?" })
        }
        return array
    }

    /// The array in member `name` + `.npy`, nil when there is none.
    func optionalArray(_ name: String) throws -> NPYArray? {
        guard let member = member(named: name + ".npy") else { return nil }
        return try NPYArray(region: contents(of: member), location: location(of: member))
    }

    /// The names of the `.npy` members, without `.npy`, as `np.load(path).files` lists them.
    var arrayNames: [String] {
        members.map(\.name).filter { $0.hasSuffix(".npy") }.map { String($0.dropLast(4)) }
    }
}
