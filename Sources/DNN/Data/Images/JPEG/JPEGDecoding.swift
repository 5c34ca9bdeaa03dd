/// The state of one decode: the tables and frame read so far from the markers, and the
/// storage the scans fill (a sample plane per component, plus the coefficients of every
/// block for a progressive image).
///
/// `run` walks the markers in file order (JPEGDecoding+Markers.swift), decodes each scan
/// as it comes (JPEGSequentialScan, JPEGProgressiveScan) and, at EOI, assembles the image
/// (JPEGDecoding+Output.swift).
final class JPEGDecoding {
    let bytes: UnsafeBufferPointer<UInt8>
    let file: String
    /// The next byte the marker reader looks at.
    var position = 0

    var frame: JPEGFrame?
    /// The frame header's offset, for errors about the frame.
    var frameOffset = 0
    /// Quantization tables in natural (row-major) order, by slot 0...3.
    var quantizationTables: [[Int32]?] = [nil, nil, nil, nil]
    var dcTables: [JPEGHuffmanTable?] = [nil, nil, nil, nil]
    var acTables: [JPEGHuffmanTable?] = [nil, nil, nil, nil]
    /// MCUs between restart markers (DRI); 0 when there are none.
    var restartInterval = 0
    /// An APP0 "JFIF" segment: 3 components are YCbCr whatever APP14 says (libjpeg's rule).
    var sawJFIF = false
    /// The transform flag of an APP14 "Adobe" segment: 0 means RGB, 1 YCbCr.
    var adobeTransform: Int?
    /// Scans decoded so far.
    var scanCount = 0

    /// Per component: its samples, `planeStride` bytes per row, whole MCUs.
    var planes: [UnsafeMutablePointer<UInt8>] = []
    /// Per component of a progressive image: 64 coefficients per block, natural order,
    /// `blocksPerLine` blocks per row.
    var coefficients: [UnsafeMutablePointer<Int16>] = []
    /// Per component: its quantization table (64 values, natural order), latched at its
    /// first scan (as libjpeg does).
    var latchedQuantization: [UnsafeMutablePointer<Int32>] = []
    /// The inverse DCT's scratch space (64 Int32), reused for every block.
    let workspace = UnsafeMutablePointer<Int32>.allocate(capacity: 64)
    /// One block's coefficients (64 Int16) in a sequential scan, reused for every block.
    let blockScratch = UnsafeMutablePointer<Int16>.allocate(capacity: 64)
    /// Per component: whether a scan has coded it.
    var componentSeen: [Bool] = []

    init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
        self.bytes = bytes
        self.file = file
    }

    deinit {
        for plane in planes { plane.deallocate() }
        for block in coefficients { block.deallocate() }
        for table in latchedQuantization { table.deallocate() }
        workspace.deallocate()
        blockScratch.deallocate()
    }

    /// Decodes the whole file.
    func run() throws -> DecodedImage {
        guard bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw JPEGError.at(file, 0, "not a JPEG file: it does not start with the SOI marker FFD8")
        }
        position = 2
        while let (marker, offset) = nextMarker() {
            if marker == 0xD9 { return try assemble(at: offset) }
            try handle(marker: marker, at: offset)
        }
        return try assembleWithoutEOI()
    }

    /// The next marker code and the offset of its 0xFF, skipping fill bytes and any garbage
    /// before it (libjpeg's `next_marker`); nil at the end of the data.
    func nextMarker() -> (UInt8, Int)? {
        while position < bytes.count {
            if bytes[position] != 0xFF {
                position += 1
                continue
            }
            while position + 1 < bytes.count && bytes[position + 1] == 0xFF { position += 1 }
            guard position + 1 < bytes.count else { return nil }
            let marker = bytes[position + 1], offset = position
            position += 2
            if marker != 0 { return (marker, offset) }
        }
        return nil
    }

    /// The data of the segment whose marker is at `offset`: its 2-byte length, checked
    /// against the file, and the bytes after it. Leaves `position` after the segment.
    func segment(at offset: Int, marker: UInt8) throws -> Range<Int> {
        guard position + 2 <= bytes.count else {
            throw JPEGError.at(file, offset, "the file ends inside the \(JPEGError.markerName(marker)) segment (truncated)")
        }
        let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
        guard length >= 2 else {
            throw JPEGError.at(file, offset, "bad length \(length) of the \(JPEGError.markerName(marker)) segment")
        }
        guard position + length <= bytes.count else {
            throw JPEGError.at(file, offset, "the \(JPEGError.markerName(marker)) segment of \(length) bytes runs past "
                               + "the end of the file (truncated)")
        }
        let range = (position + 2)..<(position + length)
        position += length
        return range
    }
}
