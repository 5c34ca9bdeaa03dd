/// Reads the entropy-coded bits of a scan, most significant first, dropping the 0x00 that
/// follows every data byte 0xFF.
///
/// At a marker or at the end of the file it supplies zero bits, as libjpeg does, so a
/// decoder may look ahead past the last code; it also counts them (`phantom`), so that a
/// block which really used them is reported as truncated or corrupt data instead of being
/// decoded from nothing.
struct JPEGBitReader {
    let data: UnsafePointer<UInt8>
    let end: Int
    /// The next byte to read.
    var position: Int
    /// Unread bits, left-aligned: the next bit is bit 63.
    var buffer: UInt64 = 0
    /// Valid bits in `buffer`.
    var count = 0
    /// How many of the last `count` bits are zeros supplied past a marker or the end.
    var phantom = 0

    init(data: UnsafePointer<UInt8>, end: Int, position: Int) {
        self.data = data
        self.end = end
        self.position = position
    }

    /// Whether a decoded code or value used bits past the scan's data.
    var overran: Bool { count < phantom }

    /// Fills `buffer` to at least 57 bits.
    @inline(__always) mutating func refill() {
        if phantom == 0 && position + 8 <= end {
            // Fast path: take whole bytes while none of them is 0xFF.
            while count <= 56 {
                let byte = data[position]
                if byte == 0xFF { break }
                buffer |= UInt64(byte) &<< UInt64(56 - count)
                count += 8
                position += 1
            }
            if count > 56 { return }
        }
        refillSlowly()
    }

    /// Byte by byte, handling stuffed 0xFF 0x00 pairs, markers and the end of the data.
    @inline(never) mutating func refillSlowly() {
        while count <= 56 {
            var byte: UInt8 = 0
            if phantom == 0 && position < end {
                byte = data[position]
                if byte != 0xFF {
                    position += 1
                } else if position + 1 < end && data[position + 1] == 0 {
                    position += 2
                } else {
                    byte = 0
                    phantom += 8
                }
            } else {
                phantom += 8
            }
            buffer |= UInt64(byte) &<< UInt64(56 - count)
            count += 8
        }
    }

    /// Drops `n` bits (n <= count).
    @inline(__always) mutating func skip(_ n: Int) {
        buffer = buffer &<< UInt64(n)
        count &-= n
    }

    /// The next `n` bits (1...16) as an unsigned number; `count >= n` is the caller's duty.
    @inline(__always) mutating func bits(_ n: Int) -> Int32 {
        let value = Int32(truncatingIfNeeded: buffer &>> UInt64(64 - n))
        skip(n)
        return value
    }

    /// The next bit.
    @inline(__always) mutating func bit() -> Int32 {
        if count < 1 { refill() }
        return bits(1)
    }

    /// The next `n` bits (0...16) as a signed magnitude (JPEG's RECEIVE then EXTEND):
    /// values below 2^(n-1) are negative.
    @inline(__always) mutating func signed(_ n: Int) -> Int32 {
        if n == 0 { return 0 }
        let value = bits(n)
        // All ones when the top bit of the n bits is 0 (a negative value), else 0.
        let negative = (value &- (Int32(1) &<< Int32(n &- 1))) &>> 31
        return value &+ (negative & ((Int32(-1) &<< Int32(n)) &+ 1))
    }

    /// The next Huffman symbol of `table`, or -1 when the bits match no code.
    /// Needs 16 bits in `buffer` (call `refill` first).
    @inline(__always) mutating func decode(_ table: JPEGHuffmanCodes) -> Int {
        let entry = table.lookup[Int(truncatingIfNeeded: buffer &>> UInt64(64 - JPEGHuffmanTable.lookupBits))]
        if entry != 0 {
            skip(Int(entry >> 8))
            return Int(entry & 0xFF)
        }
        return decodeLong(table)
    }

    /// A code longer than the lookup table's 9 bits: libjpeg's `jpeg_huff_decode`.
    @inline(never) mutating func decodeLong(_ table: JPEGHuffmanCodes) -> Int {
        for length in (JPEGHuffmanTable.lookupBits + 1)...16 {
            let code = Int32(truncatingIfNeeded: buffer &>> UInt64(64 - length))
            if code <= table.maxCode[length] {
                skip(length)
                return Int(table.values[Int(code &+ table.valueOffset[length]) & 0xFF])
            }
        }
        return -1
    }

    /// Starts over at `position`, after a restart marker: the bits left are padding.
    mutating func restart(at position: Int) {
        self.position = position
        buffer = 0
        count = 0
        phantom = 0
    }
}
