import Dispatch
import Foundation

/// The samples of a list of image files, decoded on every core into one byte buffer
/// ([files, C, H, W]), with each file's failure (nil where it decoded).
struct DecodedSamples {
    var bytes: [UInt8]
    var failures: [DNNError?]
}

/// The shared state of a parallel decode: the next file to take, the failures, and the
/// progress shown on a terminal.
private final class DecodeProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0, done = 0, lastDrawn = 0.0
    private(set) var failures: [DNNError?]
    private(set) var fatal: [Int: DNNError] = [:]
    let total: Int
    /// A bar on stderr only when it is a terminal.
    private let draws = isatty(2) == 1

    init(total: Int) {
        self.total = total
        failures = Array(repeating: nil, count: total)
    }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < total else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    func finished(_ index: Int, failure: DNNError?, fatal isFatal: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        failures[index] = failure
        if isFatal, let failure { fatal[index] = failure }
        done += 1
        let now = Date().timeIntervalSince1970
        if draws && (now - lastDrawn > 0.1 || done == total) {
            lastDrawn = now
            let width = 30, filled = width * done / max(total, 1)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\rdecoding images [\(bar)] \(done)/\(total)".utf8))
            if done == total { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
}

/// Lets the workers write their own samples into one buffer.
private struct SharedBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<UInt8>
}

extension ImageReader {
    /// Decodes `files` into [files, C, H, W] bytes, `shape` being [C, H, W].
    ///
    /// - Throws: an image whose size is not `shape`'s (without `size`: `first` names the
    ///   image that set it); the first undecodable file, in list order, unless `skip_bad`.
    static func decodeAll(_ files: [String], source: ImageSource, shape: [Int], first: String?) throws -> DecodedSamples {
        let sampleSize = shape.reduce(1, *)
        let (total, overflow) = sampleSize.multipliedReportingOverflow(by: files.count)
        guard !overflow, total < 1 << 46 else {
            throw DNNError.data(source.path, "\(files.count) images of \(shape) values cannot fit in memory")
        }
        var bytes = [UInt8](unsafeUninitializedCapacity: total) { _, initialized in initialized = total }
        let progress = DecodeProgress(total: files.count)
        bytes.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedBuffer(base: buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 1)!)
            DispatchQueue.concurrentPerform(iterations: max(1, min(System.coreCount, files.count))) { _ in
                while let index = progress.next() {
                    do {
                        let image = try ImageFile.load(files[index], channels: source.channels, size: source.size)
                        guard image.height == shape[1] && image.width == shape[2] else {
                            progress.finished(index, failure: sizeMismatch(files[index], image, shape, first), fatal: true)
                            continue
                        }
                        ImageFile.writePlanes(image, to: shared.base + index * sampleSize)
                        progress.finished(index, failure: nil)
                    } catch {
                        progress.finished(index, failure: error as? DNNError ?? DNNError.data(files[index], "\(error)"))
                    }
                }
            }
        }
        if let index = progress.fatal.keys.min() { throw progress.fatal[index]! }
        if !source.skipBad, let failure = progress.failures.first(where: { $0 != nil }) { throw failure! }
        return DecodedSamples(bytes: bytes, failures: progress.failures)
    }

    private static func sizeMismatch(_ file: String, _ image: DecodedImage, _ shape: [Int], _ first: String?) -> DNNError {
        DNNError.data(file, "is \(image.height) x \(image.width) pixels (height x width), but the first image"
                      + (first.map { ", \($0)," } ?? "") + " is \(shape[1]) x \(shape[2]); every image of a source "
                      + "without size must have the same size", hint: "set \"size\": [H, W] in the images source to resize "
                      + "every image")
    }
}
