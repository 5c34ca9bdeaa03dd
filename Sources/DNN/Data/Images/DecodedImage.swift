/// The pixels of one decoded image file, 8 bits per sample, interleaved row by row: what
/// the PNG and JPEG decoders return and what the image data source converts, resizes and
/// stores.
public struct DecodedImage: Sendable, Equatable {
    /// Pixels per row.
    public var width: Int
    /// Rows.
    public var height: Int
    /// Samples per pixel: 1 (grey, Pillow's "L"), 2 (grey and alpha, "LA"), 3 ("RGB") or 4 ("RGBA").
    public var channels: Int
    /// [height, width, channels], row-major.
    public var pixels: [UInt8]

    /// An image from its parts; `pixels.count` must be `height * width * channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels, "DecodedImage: pixel count does not match the size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}
