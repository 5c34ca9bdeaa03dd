import Foundation

extension Benchmark {
    /// `dnn bench --images DIR`: JPEG files decoded per second on one thread, each read from
    /// disk and decoded as the image data source does (`JPEGDecoder.decode`); the best of
    /// rounds over every `.jpg`/`.jpeg` file of `folder` for about `seconds`.
    /// `tools/bench_images.py` times Pillow on the same files.
    ///
    /// - Returns: the number of files and the images per second.
    /// - Throws: `DNNError(.io)` when the folder cannot be listed or holds no JPEG file,
    ///   and the decoder's errors.
    public static func imageDecoding(folder: String, seconds: Double) throws -> (files: Int, imagesPerSecond: Double) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw DNNError(.io, at: folder, "cannot list the folder")
        }
        let paths = names.filter { ["jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { folder + "/" + $0 }
        guard !paths.isEmpty else { throw DNNError(.io, at: folder, "holds no .jpg or .jpeg file") }
        for path in paths { _ = try JPEGDecoder.decode(FileBytes.read(path), file: path) }
        var failure: Error?
        let time = fastest(seconds: seconds) {
            do {
                for path in paths { _ = try JPEGDecoder.decode(FileBytes.read(path), file: path) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return (paths.count, Double(paths.count) / time)
    }
}
