/// A scan (SOS): its header checked against the frame and the tables, the storage the
/// scans fill allocated at the first one, then its entropy-coded data decoded.
extension JPEGDecoding {
    /// Reads the SOS header in `header` (the marker at `offset`) and decodes the scan's data,
    /// which follows it; leaves `position` where the data ends.
    func decodeScan(header: Range<Int>, at offset: Int) throws {
        guard let frame else { throw JPEGError.at(file, offset, "a scan (SOS) before the frame header (SOF)") }
        let scan = try readScanHeader(header, frame: frame, at: offset)
        if planes.isEmpty { allocateStorage(for: frame) }
        for index in scan.components where !componentSeen[index] {
            let slot = frame.components[index].quantizationSlot
            guard let table = quantizationTables[slot] else {
                throw JPEGError.at(file, offset, "component \(index + 1) uses quantization table \(slot), which no DQT defined")
            }
            for k in 0..<64 { latchedQuantization[index][k] = table[k] }
            componentSeen[index] = true
        }
        var bits = JPEGBitReader(data: bytes.baseAddress!, end: bytes.count, position: position)
        let walker = JPEGScanWalker(scan: scan, frame: frame, restartInterval: restartInterval, file: file)
        if frame.progressive {
            try decodeProgressive(scan, walker: walker, bits: &bits)
        } else {
            var decoder = JPEGSequentialScan(scan: scan, frame: frame, decoding: self, workspace: workspace,
                                             block: blockScratch)
            try checkTables(scan, dc: true, ac: true)
            try walker.walk(&decoder, bits: &bits)
        }
        position = bits.position
        scanCount += 1
    }

    /// The SOS header: component selectors, table slots, Ss, Se, Ah and Al, each checked as libjpeg does.
    func readScanHeader(_ data: Range<Int>, frame: JPEGFrame, at offset: Int) throws -> JPEGScan {
        var scan = JPEGScan(offset: offset)
        let count = data.isEmpty ? 0 : Int(bytes[data.lowerBound])
        guard (1...4).contains(count), data.count == 4 + 2 * count else {
            throw JPEGError.at(file, offset, "bad scan header (SOS): \(data.count + 2) bytes for \(count) components")
        }
        for index in 0..<count {
            let base = data.lowerBound + 1 + 2 * index, id = bytes[base]
            guard let component = frame.componentIndex(id: id), !scan.components.contains(component) else {
                throw JPEGError.at(file, offset, "the scan names component \(id), which the frame does not have or the scan repeats")
            }
            let dc = Int(bytes[base + 1] >> 4), ac = Int(bytes[base + 1] & 15)
            guard dc < 4, ac < 4 else { throw JPEGError.at(file, offset, "the scan names Huffman table \(max(dc, ac)) (0 to 3)") }
            scan.components.append(component)
            scan.dcSlots.append(dc)
            scan.acSlots.append(ac)
        }
        let tail = data.lowerBound + 1 + 2 * count
        scan.spectralStart = Int(bytes[tail])
        scan.spectralEnd = Int(bytes[tail + 1])
        scan.successiveHigh = Int(bytes[tail + 2] >> 4)
        scan.successiveLow = Int(bytes[tail + 2] & 15)
        if count > 1 {
            let blocks = scan.components.reduce(0) { $0 + frame.components[$1].h * frame.components[$1].v }
            guard blocks <= 10 else {
                throw JPEGError.at(file, offset, "an interleaved scan of \(blocks) blocks per MCU (at most 10)")
            }
        }
        if frame.progressive { try checkProgression(scan) }
        return scan
    }

    /// libjpeg's `JERR_BAD_PROGRESSION` checks: DC scans code only coefficient 0, AC scans
    /// one component and Ss <= Se <= 63, a refinement goes one bit down, Al <= 13.
    func checkProgression(_ scan: JPEGScan) throws {
        let dc = scan.spectralStart == 0
        let bad = (dc && scan.spectralEnd != 0)
            || (!dc && (scan.spectralStart > scan.spectralEnd || scan.spectralEnd > 63 || scan.components.count != 1))
            || (scan.successiveHigh != 0 && scan.successiveLow != scan.successiveHigh - 1)
            || scan.successiveLow > 13
        if bad {
            throw JPEGError.at(file, scan.offset, "bad progressive scan: Ss=\(scan.spectralStart) Se=\(scan.spectralEnd) "
                               + "Ah=\(scan.successiveHigh) Al=\(scan.successiveLow)")
        }
    }

    /// Checks that the Huffman tables the scan uses are defined (and DC tables hold sizes up to 15).
    func checkTables(_ scan: JPEGScan, dc: Bool, ac: Bool) throws {
        for slot in scan.components.indices {
            if dc {
                guard let table = dcTables[scan.dcSlots[slot]] else {
                    throw JPEGError.at(file, scan.offset, "the scan uses DC Huffman table \(scan.dcSlots[slot]), which no DHT defined")
                }
                guard table.largestSymbol <= 15 else {
                    throw JPEGError.at(file, scan.offset, "DC Huffman table \(scan.dcSlots[slot]) holds a size above 15")
                }
            }
            if ac && acTables[scan.acSlots[slot]] == nil {
                throw JPEGError.at(file, scan.offset, "the scan uses AC Huffman table \(scan.acSlots[slot]), which no DHT defined")
            }
        }
    }

    /// The planes (and, for a progressive image, the coefficients) of every component,
    /// zero-filled; sizes were bounded by `checkSize` when the frame was read.
    func allocateStorage(for frame: JPEGFrame) {
        for component in frame.components {
            let samples = component.blocksPerLine * component.blocksPerColumn * 64
            let plane = UnsafeMutablePointer<UInt8>.allocate(capacity: samples)
            plane.initialize(repeating: 0, count: samples)
            planes.append(plane)
            if frame.progressive {
                let block = UnsafeMutablePointer<Int16>.allocate(capacity: samples)
                block.initialize(repeating: 0, count: samples)
                coefficients.append(block)
            }
        }
        latchedQuantization = frame.components.map { _ in .allocate(capacity: 64) }
        for table in latchedQuantization { table.initialize(repeating: 0, count: 64) }
        componentSeen = [Bool](repeating: false, count: frame.components.count)
    }
}
