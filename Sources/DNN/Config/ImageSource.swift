/// `{"format": "images", ...}`: a folder of images with one subfolder per class, or a CSV
/// index of image paths and labels; how each image becomes a sample.
public struct ImageSource: Equatable, Sendable {
    /// Where the images and their labels are listed.
    public enum Location: Equatable, Sendable {
        /// `path`: one subfolder per class, the sorted subfolder names being the classes.
        case folder(String)
        /// `index`: a CSV with a `path` column (relative to the CSV's folder) and the label column(s).
        case index(String, labels: [String])
    }

    public var location: Location
    /// 3 (RGB, Pillow's convert("RGB"), the default) or 1 (convert("L")).
    public var channels = 3
    /// `size: [H, W]`: every image resized to it (Pillow's bilinear resize); nil keeps
    /// the first image's size, which every image must then have.
    public var size: [Int]?
    /// Files that cannot be decoded are skipped (and counted) rather than an error.
    public var skipBad = false

    public init(location: Location, channels: Int = 3, size: [Int]? = nil, skipBad: Bool = false) {
        self.location = location
        self.channels = channels
        self.size = size
        self.skipBad = skipBad
    }

    /// The folder or the index file: what messages name.
    public var path: String {
        switch location {
        case .folder(let path): path
        case .index(let path, _): path
        }
    }

    /// The label columns of an index; empty for a folder (its classes are its subfolders).
    public var labelColumns: [String] {
        if case .index(_, let labels) = location { return labels }
        return []
    }
}
