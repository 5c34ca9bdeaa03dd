/// One image component (grey, or Y, Cb, Cr) as the frame header (SOF) declares it, with
/// the sizes libjpeg derives from its sampling factors.
struct JPEGComponent {
    /// The identifier scans use to name the component.
    var id: UInt8
    /// Horizontal sampling factor, 1...4.
    var h: Int
    /// Vertical sampling factor, 1...4.
    var v: Int
    /// The quantization table slot (0...3) the frame header names.
    var quantizationSlot: Int
    /// Samples per row of the component itself: ceil(width * h / hmax), libjpeg's
    /// `downsampled_width`. Upsampling reads no sample beyond it.
    var width = 0
    /// Rows of the component itself: ceil(height * v / vmax).
    var height = 0
    /// Blocks per row of the component's plane: whole MCUs, so an interleaved scan never
    /// writes outside it.
    var blocksPerLine = 0
    /// Block rows of the component's plane, whole MCUs.
    var blocksPerColumn = 0
    /// Blocks per row that a scan of this component alone codes: ceil(width / 8).
    var codedBlocksPerLine: Int { (width + 7) / 8 }
    /// Block rows that a scan of this component alone codes: ceil(height / 8).
    var codedBlocksPerColumn: Int { (height + 7) / 8 }
    /// Bytes per row of the component's plane.
    var planeStride: Int { blocksPerLine * 8 }
}

/// The frame header (SOF0, SOF1 or SOF2): the image size, the coding process and the
/// components, with the MCU grid that interleaved scans walk.
struct JPEGFrame {
    /// The largest image `JPEGDecoder` accepts, in pixels: Pillow's decompression-bomb
    /// threshold (`Image.MAX_IMAGE_PIXELS`), so anything Pillow opens without a warning fits.
    static let maximumPixels = 89_478_485

    var width: Int
    var height: Int
    /// SOF2: the coefficients arrive in several scans and are kept until the end.
    var progressive: Bool
    var components: [JPEGComponent]
    var maxH = 1
    var maxV = 1
    /// MCUs per row of an interleaved scan: ceil(width / (8 * hmax)).
    var mcusPerLine = 0
    /// MCU rows of an interleaved scan: ceil(height / (8 * vmax)).
    var mcusPerColumn = 0

    /// Derives the per-component sizes and the MCU grid from the sampling factors.
    mutating func deriveSizes() {
        maxH = components.map(\.h).max() ?? 1
        maxV = components.map(\.v).max() ?? 1
        mcusPerLine = (width + 8 * maxH - 1) / (8 * maxH)
        mcusPerColumn = (height + 8 * maxV - 1) / (8 * maxV)
        for index in components.indices {
            var component = components[index]
            component.width = (width * component.h + maxH - 1) / maxH
            component.height = (height * component.v + maxV - 1) / maxV
            component.blocksPerLine = mcusPerLine * component.h
            component.blocksPerColumn = mcusPerColumn * component.v
            components[index] = component
        }
    }

    /// The index in `components` of the component with identifier `id`.
    func componentIndex(id: UInt8) -> Int? {
        components.firstIndex { $0.id == id }
    }
}
