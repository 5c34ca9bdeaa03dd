/// A scan header (SOS): the components it codes and their Huffman tables, and for a
/// progressive scan the coefficients (Ss...Se in zigzag order) and bits (Ah, Al) it carries.
struct JPEGScan {
    /// Indexes into the frame's components, in the scan's order.
    var components: [Int] = []
    var dcSlots: [Int] = []
    var acSlots: [Int] = []
    /// Ss and Se: the first and last coefficient (zigzag index) of a progressive scan.
    var spectralStart = 0
    var spectralEnd = 63
    /// Ah: the bit position the previous scan of these coefficients stopped at (0: first scan).
    var successiveHigh = 0
    /// Al: the bit position of this scan.
    var successiveLow = 0
    /// The offset of the SOS marker, for errors.
    var offset = 0
}

/// Why a block could not be decoded; `JPEGScanWalker` turns it into a `DNNError` at the
/// byte the decoder had reached.
struct JPEGCorruptData: Error {
    let message: String
}

/// What decodes the blocks of one kind of scan (sequential, or one of the four kinds of
/// progressive scans); `JPEGScanWalker` calls it block by block in the scan's order.
protocol JPEGBlockDecoder {
    /// Decodes the block at block row `row` and column `column` of the scan's `slot`-th component.
    mutating func decodeBlock(slot: Int, row: Int, column: Int, bits: inout JPEGBitReader) throws
    /// After a restart marker: the DC predictions and the end-of-band run start over.
    mutating func restart()
}

/// Walks the MCUs of a scan: one block at a time for a scan of one component (its own
/// ceil(w/8) x ceil(h/8) blocks), else h x v blocks of each component per MCU over the
/// frame's MCU grid; handles restart markers and data that ends too early.
struct JPEGScanWalker {
    let scan: JPEGScan
    let frame: JPEGFrame
    let restartInterval: Int
    let file: String

    func walk<Decoder: JPEGBlockDecoder>(_ decoder: inout Decoder, bits: inout JPEGBitReader) throws {
        var mcu = 0
        do {
            if scan.components.count == 1 {
                let component = frame.components[scan.components[0]]
                for row in 0..<component.codedBlocksPerColumn {
                    for column in 0..<component.codedBlocksPerLine {
                        try startMCU(&mcu, &decoder, &bits)
                        try decoder.decodeBlock(slot: 0, row: row, column: column, bits: &bits)
                        if bits.overran { throw truncated(bits) }
                    }
                }
            } else {
                try walkInterleaved(&decoder, &bits, &mcu)
            }
        } catch let error as JPEGCorruptData {
            throw JPEGError.at(file, bits.position, "corrupt entropy-coded data in the scan at byte \(scan.offset): "
                               + error.message)
        }
    }

    /// The MCU grid of a scan of several components.
    private func walkInterleaved<Decoder: JPEGBlockDecoder>(_ decoder: inout Decoder, _ bits: inout JPEGBitReader,
                                                           _ mcu: inout Int) throws {
        let sampling = scan.components.map { (frame.components[$0].h, frame.components[$0].v) }
        for mcuRow in 0..<frame.mcusPerColumn {
            for mcuColumn in 0..<frame.mcusPerLine {
                try startMCU(&mcu, &decoder, &bits)
                for slot in sampling.indices {
                    let (h, v) = sampling[slot]
                    for y in 0..<v {
                        for x in 0..<h {
                            try decoder.decodeBlock(slot: slot, row: mcuRow * v + y, column: mcuColumn * h + x, bits: &bits)
                        }
                    }
                }
                if bits.overran { throw truncated(bits) }
            }
        }
    }

    /// Counts the MCU; at the end of each restart interval, expects an RSTn marker and starts over after it.
    @inline(__always)
    private func startMCU<Decoder: JPEGBlockDecoder>(_ mcu: inout Int, _ decoder: inout Decoder,
                                                    _ bits: inout JPEGBitReader) throws {
        if restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0 {
            try restart(&bits)
            decoder.restart()
        }
        mcu += 1
    }

    /// Finds the restart marker after an interval's data (skipping fill and stray bytes).
    private func restart(_ bits: inout JPEGBitReader) throws {
        var position = bits.position
        while position + 1 < bits.end {
            if bits.data[position] == 0xFF && bits.data[position + 1] != 0 && bits.data[position + 1] != 0xFF {
                let marker = bits.data[position + 1]
                guard (0xD0...0xD7).contains(marker) else {
                    throw JPEGError.at(file, position, "expected a restart marker (RSTn) in the scan at byte "
                                       + "\(scan.offset), found \(JPEGError.markerName(marker))")
                }
                bits.restart(at: position + 2)
                return
            }
            position += 1
        }
        throw JPEGError.at(file, bits.end, "the file ends inside the scan at byte \(scan.offset), before its next "
                           + "restart marker (truncated)")
    }

    private func truncated(_ bits: JPEGBitReader) -> DNNError {
        JPEGError.at(file, bits.position, "the entropy-coded data of the scan at byte \(scan.offset) ends before its "
                     + "last block (truncated or corrupt file)")
    }
}
