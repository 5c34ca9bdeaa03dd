/// The four kinds of progressive scans (JPEG G.1.2), which add to the stored coefficients
/// of every block: the first bits of the DC coefficients, one more bit of them, the first
/// bits of a band of AC coefficients, one more bit of such a band. The decoding follows
/// libjpeg's jdphuff.c step for step, end-of-band runs included.
extension JPEGDecoding {
    /// Decodes the data of the progressive `scan` with the decoder for its kind.
    func decodeProgressive(_ scan: JPEGScan, walker: JPEGScanWalker, bits: inout JPEGBitReader) throws {
        guard let frame else { return }
        let slots = scan.components.indices.map { slot in
            let index = scan.components[slot]
            return JPEGProgressiveSlot(coefficients: coefficients[index],
                                       blocksPerLine: frame.components[index].blocksPerLine,
                                       dc: dcTables[scan.dcSlots[slot]]?.codes, ac: acTables[scan.acSlots[slot]]?.codes)
        }
        switch (scan.spectralStart == 0, scan.successiveHigh == 0) {
        case (true, true):
            try checkTables(scan, dc: true, ac: false)
            var decoder = JPEGProgressiveDCFirst(slots: slots, shift: scan.successiveLow)
            try walker.walk(&decoder, bits: &bits)
        case (true, false):
            var decoder = JPEGProgressiveDCRefinement(slots: slots, bit: Int16(1 << scan.successiveLow))
            try walker.walk(&decoder, bits: &bits)
        case (false, true):
            try checkTables(scan, dc: false, ac: true)
            var decoder = JPEGProgressiveACFirst(slot: slots[0], start: scan.spectralStart, end: scan.spectralEnd,
                                                 shift: scan.successiveLow)
            try walker.walk(&decoder, bits: &bits)
        case (false, false):
            try checkTables(scan, dc: false, ac: true)
            var decoder = JPEGProgressiveACRefinement(slot: slots[0], start: scan.spectralStart, end: scan.spectralEnd,
                                                      bit: Int16(1 << scan.successiveLow))
            try walker.walk(&decoder, bits: &bits)
        }
    }
}

/// One component of a progressive scan: its stored coefficients and its tables.
struct JPEGProgressiveSlot {
    let coefficients: UnsafeMutablePointer<Int16>
    let blocksPerLine: Int
    let dc: JPEGHuffmanCodes?
    let ac: JPEGHuffmanCodes?

    /// The 64 coefficients of the block at (`row`, `column`).
    @inline(__always) func block(row: Int, column: Int) -> UnsafeMutablePointer<Int16> {
        coefficients + (row * blocksPerLine + column) * 64
    }
}

/// A first DC scan: each block's DC difference, shifted left by Al.
struct JPEGProgressiveDCFirst: JPEGBlockDecoder {
    let slots: [JPEGProgressiveSlot]
    let shift: Int
    var predictors = SIMD4<Int32>()

    mutating func restart() { predictors = SIMD4<Int32>() }

    mutating func decodeBlock(slot: Int, row: Int, column: Int, bits: inout JPEGBitReader) throws {
        let target = slots[slot]
        guard let table = target.dc else { return }
        bits.refill()
        let size = bits.decode(table)
        guard size >= 0 else { throw JPEGCorruptData(message: "a DC code that is in no Huffman table") }
        predictors[slot] &+= bits.signed(size)
        target.block(row: row, column: column)[0] = Int16(truncatingIfNeeded: predictors[slot] << Int32(shift))
    }
}

/// A DC refinement scan: one more bit of each block's DC coefficient, uncoded.
struct JPEGProgressiveDCRefinement: JPEGBlockDecoder {
    let slots: [JPEGProgressiveSlot]
    /// 1 << Al.
    let bit: Int16

    mutating func restart() {}

    mutating func decodeBlock(slot: Int, row: Int, column: Int, bits: inout JPEGBitReader) throws {
        if bits.bit() != 0 { slots[slot].block(row: row, column: column)[0] |= bit }
    }
}

/// A first AC scan of the band Ss...Se: run/size codes, each value shifted left by Al, and
/// end-of-band runs that cover many blocks at once.
struct JPEGProgressiveACFirst: JPEGBlockDecoder {
    let slot: JPEGProgressiveSlot
    let start: Int
    let end: Int
    let shift: Int
    var endOfBandRun = 0
    let natural = JPEGZigzag.naturalBytes

    mutating func restart() { endOfBandRun = 0 }

    mutating func decodeBlock(slot _: Int, row: Int, column: Int, bits: inout JPEGBitReader) throws {
        if endOfBandRun > 0 {
            endOfBandRun -= 1
            return
        }
        guard let table = slot.ac else { return }
        let block = slot.block(row: row, column: column)
        var k = start
        while k <= end {
            if bits.count < 32 { bits.refill() }
            let symbol = bits.decode(table)
            guard symbol >= 0 else { throw JPEGCorruptData(message: "an AC code that is in no Huffman table") }
            let run = symbol >> 4, size = symbol & 15
            if size != 0 {
                k += run
                block[Int(natural[k])] = Int16(truncatingIfNeeded: bits.signed(size) << Int32(shift))
            } else if run == 15 {
                k += 15
            } else {
                endOfBandRun = (1 << run) + (run > 0 ? Int(bits.bits(run)) : 0) - 1
                break
            }
            k += 1
        }
    }
}
