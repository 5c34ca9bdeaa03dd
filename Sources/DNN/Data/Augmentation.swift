/// `data.augment`: random crops after zero padding (torchvision's
/// `RandomCrop(size, padding=p)`) and left-right flips with probability 0.5
/// (`RandomHorizontalFlip()`), applied in place to a training batch of images [N, C, H, W].
///
/// Per sample, in this order, from the run's generator (so `--resume` replays the same
/// draws): the crop's row offset and column offset, each uniform in [0, 2p], then the flip
/// (one draw). The sample is the window of its zero-padded image at that offset, then
/// mirrored: `out[c, y, x] = in[c, y + dy - p, x' + dx - p]` with `x' = W - 1 - x` when
/// flipped, and zero where the window leaves the image. Each row is one contiguous copy
/// (or a reversed one) plus zero fills, through a scratch sample that is allocated once,
/// so the cost is a few copies of the batch.
public final class Augmentation {
    /// `random_crop.padding`; 0 without cropping.
    public let padding: Int
    /// `horizontal_flip`.
    public let flip: Bool
    /// [C, H, W] of one sample.
    private let channels: Int, height: Int, width: Int
    /// One sample's copy, [C·H·W].
    private var scratch: [Float]

    /// - Returns: nil when the config asks for nothing.
    public init?(_ config: AugmentConfig?, sampleShape: [Int]) {
        guard let config, config.padding > 0 || config.horizontalFlip, sampleShape.count == 3 else { return nil }
        padding = config.padding
        flip = config.horizontalFlip
        (channels, height, width) = (sampleShape[0], sampleShape[1], sampleShape[2])
        scratch = [Float](repeating: 0, count: sampleShape.reduce(1, *))
    }

    /// Augments every sample of `batch` [N, C, H, W] in place.
    public func apply(to batch: Tensor<Float>, random: inout RandomGenerator) {
        let sampleSize = channels * height * width
        for n in 0..<batch.batchSize {
            let dy = padding > 0 ? random.integer(below: 2 * padding + 1) - padding : 0
            let dx = padding > 0 ? random.integer(below: 2 * padding + 1) - padding : 0
            let mirrored = flip && random.uniform() < 0.5
            guard dy != 0 || dx != 0 || mirrored else { continue }
            let sample = batch.data + n * sampleSize
            scratch.withUnsafeMutableBufferPointer { copy in
                copy.baseAddress!.update(from: sample, count: sampleSize)
                shift(from: UnsafePointer(copy.baseAddress!), to: sample, dy: dy, dx: dx, mirrored: mirrored)
            }
        }
    }

    /// `to[c, y, x] = from[c, y + dy, x + dx]` (0 outside), then each row reversed when `mirrored`.
    private func shift(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, dy: Int, dx: Int,
                       mirrored: Bool) {
        // The columns x whose source x + dx lies inside the image.
        let first = Swift.max(0, -dx), last = Swift.min(width, width - dx)
        for c in 0..<channels {
            for y in 0..<height {
                let row = target + (c * height + y) * width
                let sourceY = y + dy
                guard sourceY >= 0 && sourceY < height && first < last else {
                    row.update(repeating: 0, count: width)
                    continue
                }
                let sourceRow = source + (c * height + sourceY) * width
                row.update(repeating: 0, count: first)
                (row + first).update(from: sourceRow + first + dx, count: last - first)
                (row + last).update(repeating: 0, count: width - last)
                if mirrored { reverse(row) }
            }
        }
    }

    private func reverse(_ row: UnsafeMutablePointer<Float>) {
        var i = 0, j = width - 1
        while i < j {
            let t = row[i]
            row[i] = row[j]
            row[j] = t
            i += 1
            j -= 1
        }
    }
}

/// `data.augment`: `{"random_crop": {"padding": p}, "horizontal_flip": true}`.
public struct AugmentConfig: Equatable, Sendable {
    /// Zero padding before the random crop back to the image size; 0 for no cropping.
    public var padding: Int
    /// Flip left-right with probability 0.5.
    public var horizontalFlip: Bool

    public init(padding: Int = 0, horizontalFlip: Bool = false) {
        self.padding = padding
        self.horizontalFlip = horizontalFlip
    }
}
