/// An AC refinement scan of the band Ss...Se (JPEG G.1.2.3, libjpeg's
/// `decode_mcu_AC_refine`): one correction bit for every coefficient that is already
/// non-zero, and the new coefficients of magnitude 1 << Al placed among the zero ones.
struct JPEGProgressiveACRefinement: JPEGBlockDecoder {
    let slot: JPEGProgressiveSlot
    let start: Int
    let end: Int
    /// 1 << Al, the value a correction adds to a coefficient's magnitude.
    let bit: Int16
    var endOfBandRun = 0
    let natural = JPEGZigzag.naturalBytes

    mutating func restart() { endOfBandRun = 0 }

    mutating func decodeBlock(slot _: Int, row: Int, column: Int, bits: inout JPEGBitReader) throws {
        let block = slot.block(row: row, column: column)
        var k = start
        if endOfBandRun == 0, let table = slot.ac {
            while k <= end {
                if bits.count < 32 { bits.refill() }
                let symbol = bits.decode(table)
                guard symbol >= 0 else { throw JPEGCorruptData(message: "an AC code that is in no Huffman table") }
                var run = symbol >> 4
                var value: Int16 = 0
                if symbol & 15 != 0 {
                    value = bits.bits(1) != 0 ? bit : -bit
                } else if run != 15 {
                    endOfBandRun = (1 << run) + (run > 0 ? Int(bits.bits(run)) : 0)
                    break
                }
                // Skip `run` zero coefficients, correcting the non-zero ones on the way.
                while k <= end {
                    let coefficient = block + Int(natural[k])
                    if coefficient.pointee != 0 {
                        refine(coefficient, &bits)
                    } else {
                        if run == 0 { break }
                        run -= 1
                    }
                    k += 1
                }
                if value != 0 { block[Int(natural[k])] = value }
                k += 1
            }
        }
        if endOfBandRun > 0 {
            while k <= end {
                let coefficient = block + Int(natural[k])
                if coefficient.pointee != 0 { refine(coefficient, &bits) }
                k += 1
            }
            endOfBandRun -= 1
        }
    }

    /// A correction bit for a non-zero coefficient: 1 adds `bit` to its magnitude, unless it has that bit already.
    @inline(__always) func refine(_ coefficient: UnsafeMutablePointer<Int16>, _ bits: inout JPEGBitReader) {
        if bits.bit() != 0 && coefficient.pointee & bit == 0 {
            coefficient.pointee &+= coefficient.pointee >= 0 ? bit : -bit
        }
    }
}
