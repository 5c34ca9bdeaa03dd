/// Pillow's `Image.resize((W, H), Image.BILINEAR)` on 8-bit images, reproduced exactly:
/// a separable triangle filter whose support widens by the scale factor when shrinking
/// (so shrinking antialiases), coefficients rounded to 22-bit fixed point, the horizontal
/// pass first (over only the rows the vertical pass reads), then the vertical one, each
/// rounding and clipping to 0...255.
enum ImageResize {
    /// Fixed-point fraction bits of the coefficients: 32 - 8 - 2, as Pillow.
    static let precisionBits = 22

    /// The taps of one axis: for output position i, `count[i]` input positions from
    /// `first[i]` with weights `weights[i * taps ..< i * taps + count[i]]`.
    struct Taps {
        var first: [Int] = []
        var count: [Int] = []
        var weights: [Int32] = []
        var taps = 0
    }

    /// The taps of resizing `inSize` positions to `outSize` (Pillow's precompute_coeffs and
    /// normalize_coeffs_8bpc for the bilinear filter, support 1).
    static func taps(inSize: Int, outSize: Int) -> Taps {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filterScale
        var result = Taps()
        result.taps = Int(support.rounded(.up)) * 2 + 1
        result.weights = [Int32](repeating: 0, count: outSize * result.taps)
        var kernel = [Double](repeating: 0, count: result.taps)
        for i in 0..<outSize {
            let center = (Double(i) + 0.5) * scale
            let low = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), inSize) - low
            var total = 0.0
            for x in 0..<count {
                let distance = abs((Double(x + low) - center + 0.5) / filterScale)
                kernel[x] = distance < 1 ? 1 - distance : 0
                total += kernel[x]
            }
            for x in 0..<count {
                let w = (total != 0 ? kernel[x] / total : kernel[x]) * Double(1 << precisionBits)
                result.weights[i * result.taps + x] = Int32(w < 0 ? w - 0.5 : w + 0.5)
            }
            result.first.append(low)
            result.count.append(count)
        }
        return result
    }

    /// `image` resized to `height` x `width` pixels (both at least 1).
    static func resize(_ image: DecodedImage, height: Int, width: Int) -> DecodedImage {
        if image.width == width && image.height == height { return image }
        let channels = image.channels
        let horizontal = taps(inSize: image.width, outSize: width)
        var vertical = taps(inSize: image.height, outSize: height)
        var source = image
        if image.width != width {
            // Only the rows the vertical pass reads.
            let firstRow = vertical.first[0], lastRow = vertical.first[height - 1] + vertical.count[height - 1]
            source = pass(image.pixels, lines: lastRow - firstRow, lineOffset: firstRow, along: horizontal,
                          step: channels, lineStride: image.width * channels, outerOf: width, channels: channels,
                          outWidth: width, outHeight: lastRow - firstRow, horizontal: true)
            vertical.first = vertical.first.map { $0 - firstRow }
        }
        guard image.height != height else { return source }
        return pass(source.pixels, lines: width, lineOffset: 0, along: vertical, step: width * channels,
                    lineStride: channels, outerOf: height, channels: channels, outWidth: width, outHeight: height,
                    horizontal: false)
    }

    /// One pass: for every output row (horizontal) or row of the result (vertical), each
    /// output sample is the fixed-point weighted sum of input samples `step` bytes apart.
    private static func pass(_ input: [UInt8], lines: Int, lineOffset: Int, along taps: Taps, step: Int, lineStride: Int,
                             outerOf outCount: Int, channels: Int, outWidth: Int, outHeight: Int,
                             horizontal: Bool) -> DecodedImage {
        let half = Int32(1 << (precisionBits - 1))
        let pixels = [UInt8](unsafeUninitializedCapacity: outWidth * outHeight * channels) { out, initialized in
            input.withUnsafeBufferPointer { x in
                taps.weights.withUnsafeBufferPointer { weights in
                    for line in 0..<lines {
                        for i in 0..<outCount {
                            let k = weights.baseAddress! + i * taps.taps
                            let base = x.baseAddress! + (line + lineOffset) * lineStride + taps.first[i] * step
                            let target = horizontal ? (line * outWidth + i) * channels : (i * outWidth) * channels + line * channels
                            for c in 0..<channels {
                                var sum = half
                                for t in 0..<taps.count[i] { sum &+= Int32(base[t * step + c]) &* k[t] }
                                out[target + c] = UInt8(clamping: sum >> Int32(precisionBits))
                            }
                        }
                    }
                }
            }
            initialized = outWidth * outHeight * channels
        }
        return DecodedImage(width: outWidth, height: outHeight, channels: channels, pixels: pixels)
    }
}
