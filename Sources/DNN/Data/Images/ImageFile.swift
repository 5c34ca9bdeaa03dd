/// One image file as a sample: decoded (PNG or JPEG, told apart by their first bytes),
/// converted to the source's channels and resized to its size, as Pillow would
/// (`Image.open(f).convert(mode).resize((W, H), Image.BILINEAR)`).
enum ImageFile {
    /// The decoded pixels of `bytes`.
    ///
    /// - Throws: `DNNError(.data)` naming `file` when it is neither PNG nor JPEG, or is damaged.
    static func decode(_ bytes: [UInt8], file: String) throws -> DecodedImage {
        if PNGDecoder.isPNG(bytes) { return try PNGDecoder.decode(bytes, file: file) }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return try JPEGDecoder.decode(bytes, file: file)
        }
        throw DNNError.data(file, bytes.isEmpty ? "is empty (not an image)"
                            : "is neither a PNG nor a JPEG file (its first bytes are not a PNG or JPEG signature)")
    }

    /// The file at `path` as `channels` x H x W values, interleaved [H, W, channels]
    /// (Pillow's layout): decoded, converted, and resized when `size` ([H, W]) is given.
    static func load(_ path: String, channels: Int, size: [Int]?) throws -> DecodedImage {
        let decoded = try decode(try FileBytes.read(path), file: path)
        let converted = ImageConversion.convert(decoded, toChannels: channels)
        guard let size else { return converted }
        return ImageResize.resize(converted, height: size[0], width: size[1])
    }

    /// Writes an [H, W, C] image as a [C, H, W] sample (PyTorch's layout, ToTensor's order).
    static func writePlanes(_ image: DecodedImage, to target: UnsafeMutablePointer<UInt8>) {
        let plane = image.width * image.height, channels = image.channels
        image.pixels.withUnsafeBufferPointer { source in
            if channels == 1 {
                target.update(from: source.baseAddress!, count: plane)
                return
            }
            let pixels = source.baseAddress!
            if channels == 3 {
                // The common case in one pass with the three planes' pointers held: about
                // 3x faster than the general loop, whose stores each compute their plane.
                let red = target, green = target + plane, blue = target + 2 * plane
                for i in 0..<plane {
                    red[i] = pixels[3 * i]
                    green[i] = pixels[3 * i + 1]
                    blue[i] = pixels[3 * i + 2]
                }
                return
            }
            for i in 0..<plane {
                for c in 0..<channels { target[c * plane + i] = pixels[i * channels + c] }
            }
        }
    }
}
