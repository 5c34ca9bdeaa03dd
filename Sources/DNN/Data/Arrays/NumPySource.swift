/// The `npy` and `npz` data sources: `{"format": "npy", "x": P, "y": P}` and
/// `{"format": "npz", "path": P, "x": "x_train", "y": "y_train"}` (member names without
/// `.npy`).
enum NumPySource {
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
