import Dispatch
import Foundation

/// Reads an image source into a table of byte features: every selected file decoded,
/// converted and resized on every core, into one buffer of exactly the samples' bytes.
public enum ImageReader {
    /// The samples of `source` that `selection` keeps (all by default), [C, H, W] each, as bytes.
    ///
    /// - Throws: `DNNError(.data)` naming the file: one that cannot be decoded (unless
    ///   `skip_bad`), or, without `size`, an image whose size differs from the first one's.
    static func read(_ source: ImageSource, selection: RowSelection = .all) throws -> LabelledTable {
        let listing = try ImageListing(source)
        guard !selection.labelsOnly else { return labelsTable(listing) }
        try selection.checkRowCount(listing.files.count, file: source.path)
        // Rows to decode: the kept ones, or every one when the caller gathers statistics.
        let rows = (0..<listing.files.count).filter { selection.visit != nil || selection.keeps($0) }
        let (shape, first) = try sampleShape(source, listing)
        var decoded = try decodeAll(rows.map { listing.files[$0] }, source: source, shape: shape, first: first)
        var kept: [Int] = []  // positions in `rows` that stay
        for (position, row) in rows.enumerated() where decoded.failures[position] == nil {
            if let visit = selection.visit {
                let size = shape.reduce(1, *)
                let floats = decoded.bytes[(position * size)..<((position + 1) * size)].map(Float.init)
                floats.withUnsafeBufferPointer { visit(row, $0) }
            }
            if selection.keeps(row) { kept.append(position) }
        }
        // Moved out, not shared, so that compacting works in place instead of copying.
        var storage = FeatureStorage.bytes(decoded.bytes)
        decoded.bytes = []
        storage.compact(keeping: kept, width: shape.reduce(1, *))
        let keptRows = kept.map { rows[$0] }
        var table = labelsTable(listing, rows: keptRows)
        table.storage = storage
        table.featureCount = shape.reduce(1, *)
        table.sampleShape = shape
        table.warnings = warnings(source, listing, decoded)
        return table
    }

    /// The labels and lines of `rows` (all by default), without features.
    static func labelsTable(_ listing: ImageListing, rows: [Int]? = nil) -> LabelledTable {
        let rows = rows ?? Array(listing.files.indices)
        var table = LabelledTable(features: [], featureCount: 0, featureNames: [], labels: rows.map { listing.labels[$0] },
                                  rows: rows.count, lineNumbers: rows.map { listing.lines[$0] }, sampleShape: [0])
        table.extraTargetNames = listing.extraTargetNames
        table.extraTargets = FeatureStorage.rows(rows, of: listing.extraTargets, width: listing.extraTargetNames.count)
        return table
    }

    /// [C, H, W]: the source's channels and `size`, or the first decodable image's size
    /// (and that image's file).
    private static func sampleShape(_ source: ImageSource, _ listing: ImageListing) throws -> ([Int], String?) {
        if let size = source.size { return ([source.channels] + size, nil) }
        for file in listing.files {
            do {
                let image = try ImageFile.decode(try FileBytes.read(file), file: file)
                return ([source.channels, image.height, image.width], file)
            } catch where source.skipBad {
                continue
            }
        }
        throw DNNError.data(source.path, "none of its \(listing.files.count) image files could be decoded")
    }

    /// The one-line notes of a read: files that are not images, files skipped as undecodable.
    static func warnings(_ source: ImageSource, _ listing: ImageListing, _ decoded: DecodedSamples) -> [String] {
        var notes: [String] = []
        if listing.otherFiles > 0 {
            notes.append("\(source.path): skipped \(listing.otherFiles) file\(listing.otherFiles == 1 ? "" : "s") "
                         + "not ending in .png, .jpg or .jpeg")
        }
        let bad = decoded.failures.compactMap { $0 }
        if let first = bad.first {
            notes.append("\(source.path): skipped \(bad.count) image\(bad.count == 1 ? "" : "s") that could not be decoded "
                         + "(skip_bad; the first: \(first))")
        }
        return notes
    }
}

extension ImageReader {
    /// Whether `path` is a folder or an image file (by its extension): what `dnn predict` reads as images.
    public static func isImageInput(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return ImageListing.isImage(path)
            || (FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue)
    }

    /// An image file, or every image file under a folder (in sorted path order, no labels),
    /// as samples of `shape` ([C, H, W]) made as `source` (a checkpoint's) makes them:
    /// `dnn predict` on images. Returns the table and the files, one per row.
    public static func readForPrediction(_ path: String, like source: ImageSource,
                                         shape: [Int]) throws -> (table: LabelledTable, files: [String]) {
        let listing = try ImageListing(predicting: path)
        var samples = source
        samples.skipBad = false
        let decoded = try decodeAll(listing.files, source: samples, shape: shape, first: nil)
        var table = labelsTable(listing)
        table.labels = nil
        table.storage = .bytes(decoded.bytes)
        table.featureCount = shape.reduce(1, *)
        table.sampleShape = shape
        table.warnings = warnings(source, listing, decoded)
        return (table, listing.files)
    }
}

extension ImageListing {
    /// One image file, or the image files under a folder (recursively, sorted by path).
    init(predicting path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw DNNError(.io, at: path, "cannot open: no such file or folder")
        }
        guard isFolder.boolValue else {
            files = [path]
            labels = [""]
            lines = [1]
            return
        }
        var found: [String] = []
        try walk(path, relative: "", into: &found)
        files = Self.sortedNames(found).map { path + "/" + $0 }
        labels = files.map { _ in "" }
        lines = Array(1...max(files.count, 1)).prefix(files.count).map { $0 }
        guard !files.isEmpty else { throw DNNError.data(path, "holds no .png, .jpg or .jpeg files") }
    }
}
