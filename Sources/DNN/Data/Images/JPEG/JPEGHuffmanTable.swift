/// The pointers of a `JPEGHuffmanTable`, which the entropy decoder reads.
struct JPEGHuffmanCodes {
    let lookup: UnsafePointer<UInt16>
    let maxCode: UnsafePointer<Int32>
    let valueOffset: UnsafePointer<Int32>
    let values: UnsafePointer<UInt8>
    let fastAC: UnsafePointer<Int32>

    init(lookup: UnsafeMutablePointer<UInt16>, maxCode: UnsafeMutablePointer<Int32>,
         valueOffset: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<UInt8>, fastAC: UnsafeMutablePointer<Int32>) {
        self.fastAC = UnsafePointer(fastAC)
        self.lookup = UnsafePointer(lookup)
        self.maxCode = UnsafePointer(maxCode)
        self.valueOffset = UnsafePointer(valueOffset)
        self.values = UnsafePointer(values)
    }
}

/// A Huffman table (DHT) ready for decoding: a 9-bit lookup for the short codes that make
/// up nearly all of the data, and libjpeg's `maxcode`/`valoffset` arrays for the rest.
///
/// The storage is allocated once when the table is defined and read through pointers in
/// the entropy decoder's inner loop.
final class JPEGHuffmanTable {
    /// Bits the lookup table resolves at once.
    static let lookupBits = 9

    /// Indexed by the next 9 bits: `length << 8 | symbol`, or 0 when the code is longer.
    let lookup: UnsafeMutablePointer<UInt16>
    /// For lengths 1...16: the largest code of that length, or -1; index 17 is a sentinel.
    let maxCode: UnsafeMutablePointer<Int32>
    /// For lengths 1...16: the index into `values` of a code minus the code itself.
    let valueOffset: UnsafeMutablePointer<Int32>
    /// The symbols in code order (256 entries; unused ones are 0).
    let values: UnsafeMutablePointer<UInt8>
    /// For an AC table, indexed by the next 9 bits: a run/size code and its value together,
    /// when both fit in those bits (most codes of real images), as
    /// `value << 16 | run << 8 | bits used`; 0 otherwise.
    let fastAC: UnsafeMutablePointer<Int32>
    /// The largest symbol: a DC table may not hold one above 15 (libjpeg's check).
    let largestSymbol: UInt8

    /// The storage as plain pointers, for the inner loop (no reference counting there);
    /// valid while the table lives.
    var codes: JPEGHuffmanCodes {
        JPEGHuffmanCodes(lookup: lookup, maxCode: maxCode, valueOffset: valueOffset, values: values, fastAC: fastAC)
    }

    /// Builds the table from the 16 code-length counts and the symbols of a DHT segment.
    ///
    /// - Returns: nil when the counts describe more codes than their lengths allow
    ///   (libjpeg's `JERR_BAD_HUFF_TABLE`).
    init?(counts: [Int], symbols: [UInt8]) {
        guard let codes = JPEGHuffmanTable.canonicalCodes(counts: counts) else { return nil }
        lookup = .allocate(capacity: 1 << JPEGHuffmanTable.lookupBits)
        lookup.initialize(repeating: 0, count: 1 << JPEGHuffmanTable.lookupBits)
        maxCode = .allocate(capacity: 18)
        maxCode.initialize(repeating: -1, count: 18)
        maxCode[17] = Int32.max
        valueOffset = .allocate(capacity: 18)
        valueOffset.initialize(repeating: 0, count: 18)
        values = .allocate(capacity: 256)
        values.initialize(repeating: 0, count: 256)
        largestSymbol = symbols.max() ?? 0
        for (index, symbol) in symbols.enumerated() { values[index] = symbol }
        var index = 0
        for length in 1...16 where counts[length - 1] > 0 {
            valueOffset[length] = Int32(index) - codes[index]
            index += counts[length - 1]
            maxCode[length] = codes[index - 1]
        }
        fastAC = .allocate(capacity: 1 << JPEGHuffmanTable.lookupBits)
        fillLookup(counts: counts, codes: codes, symbols: symbols)
        fillFastAC()
    }

    deinit {
        lookup.deallocate()
        maxCode.deallocate()
        valueOffset.deallocate()
        values.deallocate()
        fastAC.deallocate()
    }

    /// The canonical code of each symbol in order (JPEG Annex C), or nil when a length runs
    /// out of codes.
    private static func canonicalCodes(counts: [Int]) -> [Int32]? {
        var codes: [Int32] = []
        var code: Int32 = 0
        for length in 1...16 {
            for _ in 0..<counts[length - 1] {
                codes.append(code)
                code += 1
            }
            if code >= Int32(1) << length { return nil }
            code <<= 1
        }
        return codes
    }

    /// Fills `fastAC` from `lookup`: each entry whose code and value bits fit in 9 bits.
    private func fillFastAC() {
        let bits = JPEGHuffmanTable.lookupBits
        for index in 0..<(1 << bits) {
            fastAC[index] = 0
            let entry = Int(lookup[index]), length = entry >> 8, run = (entry >> 4) & 15, size = entry & 15
            guard entry != 0, size != 0, length + size <= bits else { continue }
            var value = (index >> (bits - length - size)) & ((1 << size) - 1)
            if value < 1 << (size - 1) { value += 1 - (1 << size) }
            fastAC[index] = Int32(value) << 16 | Int32(run << 8 | (length + size))
        }
    }

    /// Enters every code of at most `lookupBits` bits into `lookup`, under each of its
    /// completions to `lookupBits` bits.
    private func fillLookup(counts: [Int], codes: [Int32], symbols: [UInt8]) {
        let bits = JPEGHuffmanTable.lookupBits
        var index = 0
        for length in 1...bits {
            for _ in 0..<counts[length - 1] {
                let first = Int(codes[index]) << (bits - length)
                for entry in first..<(first + (1 << (bits - length))) {
                    lookup[entry] = UInt16(length << 8) | UInt16(symbols[index])
                }
                index += 1
            }
        }
    }
}

extension JPEGDecoding {
    /// DHT: one or more tables, each a class/slot byte, 16 code-length counts and the symbols.
    func readHuffmanTables(_ data: Range<Int>, at offset: Int) throws {
        var index = data.lowerBound
        while index < data.upperBound {
            let tableClass = Int(bytes[index] >> 4), slot = Int(bytes[index] & 15)
            guard tableClass < 2, slot < 4 else {
                throw JPEGError.at(file, offset, "DHT: bad table class \(tableClass) or index \(slot) at byte \(index)")
            }
            guard index + 17 <= data.upperBound else { throw JPEGError.at(file, offset, "DHT: the segment is too short") }
            let counts = (0..<16).map { Int(bytes[index + 1 + $0]) }
            let total = counts.reduce(0, +)
            guard total <= 256, index + 17 + total <= data.upperBound else {
                throw JPEGError.at(file, offset, "DHT: table \(slot) lists \(total) codes, more than its segment holds")
            }
            let symbols = Array(bytes[(index + 17)..<(index + 17 + total)])
            guard let table = JPEGHuffmanTable(counts: counts, symbols: symbols) else {
                throw JPEGError.at(file, offset, "DHT: table \(slot) has more codes of some length than that length allows")
            }
            if tableClass == 0 { dcTables[slot] = table } else { acTables[slot] = table }
            index += 17 + total
        }
    }
}
