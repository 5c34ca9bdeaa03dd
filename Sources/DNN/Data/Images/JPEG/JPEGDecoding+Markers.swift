/// The marker segments before and between scans: which coding processes are decoded and
/// which are refused, and the tables (DQT, DHT), restart interval (DRI) and colour hints
/// (APP0 JFIF, APP14 Adobe) they define.
extension JPEGDecoding {
    /// Reads the segment of `marker` (its 0xFF at `offset`), decoding a scan for SOS.
    func handle(marker: UInt8, at offset: Int) throws {
        switch marker {
        case 0xC0, 0xC1, 0xC2: try readFrame(segment(at: offset, marker: marker), marker: marker, at: offset)
        case 0xC4: try readHuffmanTables(segment(at: offset, marker: marker), at: offset)
        case 0xDB: try readQuantizationTables(segment(at: offset, marker: marker), at: offset)
        case 0xDD: try readRestartInterval(segment(at: offset, marker: marker), at: offset)
        case 0xDA: try decodeScan(header: segment(at: offset, marker: marker), at: offset)
        case 0xE0, 0xEE: readApplicationSegment(try segment(at: offset, marker: marker), marker: marker)
        case 0xE1...0xEF, 0xFE: _ = try segment(at: offset, marker: marker)
        case 0xD0...0xD7, 0x01: break  // RSTn outside a scan and TEM carry no data; libjpeg ignores them
        case 0xD8: throw JPEGError.at(file, offset, "a second SOI marker: the file is corrupt")
        default: throw refusal(marker: marker, at: offset)
        }
    }

    /// The error for a marker of a coding process or feature that is not decoded.
    func refusal(marker: UInt8, at offset: Int) -> DNNError {
        let name = JPEGError.markerName(marker)
        switch marker {
        case 0xC3: return JPEGError.unsupported(file, offset, "lossless JPEG (\(name), SOF3)")
        case 0xC5, 0xC6, 0xC7, 0xDE, 0xDF:
            return JPEGError.unsupported(file, offset, "hierarchical (differential) JPEG (\(name))")
        case 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xCC:
            return JPEGError.unsupported(file, offset, "arithmetic-coded JPEG (\(name))")
        case 0xDC: return JPEGError.unsupported(file, offset, "a DNL marker (the image height given after the scan)")
        default: return JPEGError.at(file, offset, "unknown or unsupported marker \(name)")
        }
    }

    /// SOF0/SOF1 (sequential) or SOF2 (progressive): precision, size and components.
    func readFrame(_ data: Range<Int>, marker: UInt8, at offset: Int) throws {
        guard frame == nil else { throw JPEGError.at(file, offset, "a second frame header (SOF): only one image per file") }
        guard data.count >= 6 else { throw JPEGError.at(file, offset, "the frame header (SOF) is too short") }
        let start = data.lowerBound, precision = Int(bytes[start])
        if precision == 12 { throw JPEGError.unsupported(file, offset, "12-bit JPEG (sample precision 12)") }
        guard precision == 8 else { throw JPEGError.unsupported(file, offset, "JPEG with \(precision)-bit samples") }
        let height = Int(bytes[start + 1]) << 8 | Int(bytes[start + 2])
        let width = Int(bytes[start + 3]) << 8 | Int(bytes[start + 4])
        let count = Int(bytes[start + 5])
        if count == 4 { throw JPEGError.unsupported(file, offset, "4-component (CMYK/YCCK) JPEG") }
        guard count == 1 || count == 3 else {
            throw JPEGError.unsupported(file, offset, "JPEG with \(count) components (1 or 3 are)")
        }
        guard data.count == 6 + 3 * count else {
            throw JPEGError.at(file, offset, "bad length of the frame header (SOF): \(data.count + 2) bytes for \(count) components")
        }
        var components: [JPEGComponent] = []
        for index in 0..<count {
            let base = start + 6 + 3 * index
            let h = Int(bytes[base + 1] >> 4), v = Int(bytes[base + 1] & 15), slot = Int(bytes[base + 2])
            guard (1...4).contains(h), (1...4).contains(v) else {
                throw JPEGError.at(file, offset, "component \(index + 1) has sampling factors \(h)x\(v) (each must be 1 to 4)")
            }
            guard slot < 4 else { throw JPEGError.at(file, offset, "component \(index + 1) names quantization table \(slot) (0 to 3)") }
            guard !components.contains(where: { $0.id == bytes[base] }) else {
                throw JPEGError.at(file, offset, "two components have the identifier \(bytes[base])")
            }
            components.append(JPEGComponent(id: bytes[base], h: h, v: v, quantizationSlot: slot))
        }
        var newFrame = JPEGFrame(width: width, height: height, progressive: marker == 0xC2, components: components)
        newFrame.deriveSizes()
        try checkSize(of: newFrame, at: offset)
        frame = newFrame
        frameOffset = offset
    }

    /// Refuses sizes before anything is allocated: zero, more pixels than
    /// `JPEGFrame.maximumPixels`, or more blocks than the file has bits (every block of a
    /// scan costs at least one bit, so a short file cannot hold a large image).
    func checkSize(of frame: JPEGFrame, at offset: Int) throws {
        guard frame.height > 0 else { throw JPEGError.unsupported(file, offset, "an image height of 0 (set by a DNL marker)") }
        guard frame.width > 0 else { throw JPEGError.at(file, offset, "the image width is 0") }
        let (pixels, overflow) = frame.width.multipliedReportingOverflow(by: frame.height)
        guard !overflow, pixels <= JPEGFrame.maximumPixels else {
            throw JPEGError.at(file, offset, "an image of \(frame.width)x\(frame.height) pixels is larger than the "
                               + "\(JPEGFrame.maximumPixels) pixels the decoder accepts")
        }
        for component in frame.components {
            let blocks = component.codedBlocksPerLine * component.codedBlocksPerColumn
            guard blocks <= 8 * bytes.count else {
                throw JPEGError.at(file, offset, "a \(frame.width)x\(frame.height) image needs at least \(blocks / 8) bytes "
                                   + "of coded data, more than the file's \(bytes.count) bytes (truncated or corrupt)")
            }
        }
    }

    /// DQT: one or more tables of 64 values, 8 or 16 bits each, in zigzag order.
    func readQuantizationTables(_ data: Range<Int>, at offset: Int) throws {
        var index = data.lowerBound
        while index < data.upperBound {
            let precision = Int(bytes[index] >> 4), slot = Int(bytes[index] & 15)
            guard slot < 4, precision < 2 else {
                throw JPEGError.at(file, offset, "DQT: bad table \(slot) or precision \(precision) at byte \(index)")
            }
            let size = 64 << precision
            guard index + 1 + size <= data.upperBound else {
                throw JPEGError.at(file, offset, "DQT: table \(slot) runs past the end of its segment")
            }
            var table = [Int32](repeating: 0, count: 64)
            for k in 0..<64 {
                let at = index + 1 + (k << precision)
                let value = precision == 0 ? Int32(bytes[at]) : Int32(bytes[at]) << 8 | Int32(bytes[at + 1])
                table[JPEGZigzag.natural[k]] = value
            }
            quantizationTables[slot] = table
            index += 1 + size
        }
    }

    /// DRI: the number of MCUs between restart markers.
    func readRestartInterval(_ data: Range<Int>, at offset: Int) throws {
        guard data.count == 2 else { throw JPEGError.at(file, offset, "bad length of the DRI segment: \(data.count + 2) bytes") }
        restartInterval = Int(bytes[data.lowerBound]) << 8 | Int(bytes[data.lowerBound + 1])
    }

    /// APP0 "JFIF" (YCbCr for sure) and APP14 "Adobe" (its transform flag), as libjpeg
    /// recognises them: by their identifier and a minimum length.
    func readApplicationSegment(_ data: Range<Int>, marker: UInt8) {
        let identifier = Array(bytes[data.lowerBound..<min(data.upperBound, data.lowerBound + 5)])
        if marker == 0xE0 && data.count >= 14 && identifier == Array("JFIF\0".utf8) { sawJFIF = true }
        if marker == 0xEE && data.count >= 12 && identifier == Array("Adobe".utf8) {
            adobeTransform = Int(bytes[data.lowerBound + 11])
        }
    }
}
