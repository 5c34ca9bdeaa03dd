/// Pillow's mode conversions to the two modes a sample may have: `convert("RGB")` (alpha
/// dropped, grey replicated) and `convert("L")` (alpha dropped, colour to luma with
/// Pillow's integer formula).
enum ImageConversion {
    /// Pillow's luma of an RGB pixel: L = R·299/1000 + G·587/1000 + B·114/1000 in 16-bit
    /// fixed point, rounded: (19595 R + 38470 G + 7471 B + 0x8000) >> 16
    /// (`tools/make_image_fixtures.py` checks this formula against Pillow).
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (UInt32(r) &* 19595 &+ UInt32(g) &* 38470 &+ UInt32(b) &* 7471 &+ 0x8000) >> 16)
    }

    /// `image` with `channels` channels (1 or 3), as Pillow's convert("L") or convert("RGB").
    static func convert(_ image: DecodedImage, toChannels channels: Int) -> DecodedImage {
        precondition(channels == 1 || channels == 3, "ImageConversion: channels must be 1 or 3")
        if image.channels == channels { return image }
        let pixelCount = image.width * image.height
        let source = image.channels
        let pixels = [UInt8](unsafeUninitializedCapacity: pixelCount * channels) { out, initialized in
            image.pixels.withUnsafeBufferPointer { input in
                let x = input.baseAddress!, y = out.baseAddress!
                switch (source, channels) {
                case (1, 3), (2, 3):
                    for i in 0..<pixelCount { let v = x[i * source]; y[3 * i] = v; y[3 * i + 1] = v; y[3 * i + 2] = v }
                case (4, 3):
                    for i in 0..<pixelCount { for c in 0..<3 { y[3 * i + c] = x[4 * i + c] } }
                case (2, 1):
                    for i in 0..<pixelCount { y[i] = x[2 * i] }
                default:  // 3 or 4 channels to L
                    for i in 0..<pixelCount {
                        y[i] = luma(x[i * source], x[i * source + 1], x[i * source + 2])
                    }
                }
            }
            initialized = pixelCount * channels
        }
        return DecodedImage(width: image.width, height: image.height, channels: channels, pixels: pixels)
    }
}
