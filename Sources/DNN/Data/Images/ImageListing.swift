import Foundation

/// The image files of an image source and their labels, in the order samples take:
/// a folder's class subfolders in sorted order and each one's files (recursively) in
/// sorted path order (torchvision's `ImageFolder`), or an index CSV's rows in file order.
/// Nothing is decoded here: this is the cheap first pass every rank of `data.shard` makes.
struct ImageListing {
    /// Absolute paths of the image files.
    var files: [String] = []
    /// Each file's label: its class folder's name, or the index's first label column.
    var labels: [String] = []
    /// Each file's 1-based line in the index (for a folder, its 1-based position).
    var lines: [Int] = []
    /// The index's further label columns (several regression targets): names, and values
    /// [files, count] row-major.
    var extraTargetNames: [String] = []
    var extraTargets: [Float] = []
    /// Files passed over for not ending in .png, .jpg or .jpeg.
    var otherFiles = 0

    /// Whether `name` ends in .png, .jpg or .jpeg, in any case.
    static func isImage(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".png") || lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg")
    }

    /// Sorted as Python sorts strings (by code point, which UTF-8 byte order preserves).
    static func sortedNames(_ names: [String]) -> [String] {
        names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    init(_ source: ImageSource) throws {
        switch source.location {
        case .folder(let folder): try listFolder(folder)
        case let .index(file, labels): try readIndex(file, labelColumns: labels)
        }
    }

    /// One subfolder per class; files directly in the folder are passed over (and counted).
    private mutating func listFolder(_ folder: String) throws {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw DNNError(.io, at: folder, "is not a folder (an images source's path is a folder with one subfolder per class)")
        }
        let entries = Self.sortedNames(try contents(folder))
        var classes = 0
        for name in entries {
            let path = folder + "/" + name
            guard manager.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                otherFiles += 1
                continue
            }
            classes += 1
            var found: [String] = []
            try walk(path, relative: "", into: &found)
            for relative in Self.sortedNames(found) {
                files.append(path + "/" + relative)
                labels.append(name)
                lines.append(files.count)
            }
        }
        guard classes > 0 else {
            throw DNNError.data(folder, "has no subfolders: an images source needs one subfolder per class")
        }
        guard !files.isEmpty else {
            throw DNNError.data(folder, "has no .png, .jpg or .jpeg files in its class subfolders")
        }
    }

    /// The image files under `folder`, as paths relative to the class folder.
    mutating func walk(_ folder: String, relative: String, into found: inout [String]) throws {
        var isFolder: ObjCBool = false
        for name in try contents(folder) {
            let path = folder + "/" + name, inner = relative.isEmpty ? name : relative + "/" + name
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                try walk(path, relative: inner, into: &found)
            } else if Self.isImage(name) {
                found.append(inner)
            } else {
                otherFiles += 1
            }
        }
    }

    func contents(_ folder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw DNNError(.io, at: folder, "cannot list the folder: \(systemReason())")
        }
    }
}
