/// The blocks of a sequential (baseline or extended Huffman) scan: each block's DC
/// difference and AC run/size codes (JPEG F.2.2), then at once the inverse DCT into the
/// component's plane, so the coefficients are never stored.
struct JPEGSequentialScan: JPEGBlockDecoder {
    /// What one component of the scan needs, as plain pointers (no reference counting in the loop).
    struct Slot {
        let dc: JPEGHuffmanCodes
        let ac: JPEGHuffmanCodes
        let quantization: UnsafePointer<Int32>
        let plane: UnsafeMutablePointer<UInt8>
        let stride: Int
    }

    let slots: [Slot]
    /// The DC prediction of each slot: the previous block's DC value.
    var predictors = SIMD4<Int32>()
    let workspace: UnsafeMutablePointer<Int32>
    let block: UnsafeMutablePointer<Int16>
    let natural = JPEGZigzag.naturalBytes
    let range = JPEGInverseDCT.rangeLimit

    /// The decoder of `scan`, whose tables `decoding.checkTables` has found defined.
    init(scan: JPEGScan, frame: JPEGFrame, decoding: JPEGDecoding, workspace: UnsafeMutablePointer<Int32>,
         block: UnsafeMutablePointer<Int16>) {
        slots = scan.components.indices.compactMap { slot in
            let index = scan.components[slot]
            guard let dc = decoding.dcTables[scan.dcSlots[slot]], let ac = decoding.acTables[scan.acSlots[slot]] else {
                return nil
            }
            return Slot(dc: dc.codes, ac: ac.codes, quantization: UnsafePointer(decoding.latchedQuantization[index]),
                        plane: decoding.planes[index], stride: frame.components[index].planeStride)
        }
        self.workspace = workspace
        self.block = block
    }

    mutating func restart() {
        predictors = SIMD4<Int32>()
    }

    @inline(__always)
    mutating func decodeBlock(slot: Int, row: Int, column: Int, bits: inout JPEGBitReader) throws {
        let target = slots[slot]
        block.update(repeating: 0, count: 64)
        bits.refill()
        let size = bits.decode(target.dc)
        guard size >= 0 else { throw JPEGCorruptData(message: "a DC code that is in no Huffman table") }
        predictors[slot] &+= bits.signed(size)
        block[0] = Int16(truncatingIfNeeded: predictors[slot])
        var k = 1, hasAC = false
        while k < 64 {
            if bits.count < 32 { bits.refill() }
            let fast = target.ac.fastAC[Int(truncatingIfNeeded: bits.buffer &>> UInt64(64 - JPEGHuffmanTable.lookupBits))]
            if fast != 0 {
                bits.skip(Int(fast & 0xFF))
                k += Int((fast >> 8) & 0xFF)
                block[Int(natural[k])] = Int16(truncatingIfNeeded: fast >> 16)
                k += 1
                hasAC = true
                continue
            }
            let symbol = bits.decode(target.ac)
            guard symbol >= 0 else { throw JPEGCorruptData(message: "an AC code that is in no Huffman table") }
            let run = symbol >> 4, size = symbol & 15
            if size == 0 {
                if run != 15 { break }
                k += 16
                continue
            }
            k += run
            block[Int(natural[k])] = Int16(truncatingIfNeeded: bits.signed(size))
            k += 1
            hasAC = true
        }
        let output = target.plane + (row * 8) * target.stride + column * 8
        if hasAC {
            JPEGInverseDCT.block(block, quantization: target.quantization, output: output, stride: target.stride,
                                 workspace: workspace, range: range)
        } else {
            JPEGInverseDCT.constantBlock(dc: block[0], quantization: target.quantization[0], output: output,
                                         stride: target.stride, range: range)
        }
    }
}
