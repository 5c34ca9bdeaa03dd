/// How a PNG's stored samples become 8-bit pixels, as Pillow shows them: grey "L" (1, 2
/// and 4-bit greys scaled to 0...255), "LA", "RGB" (palettes looked up) or "RGBA" (alpha
/// from tRNS: per palette entry, or 0 where a pixel equals the grey or RGB colour key).
/// 16-bit samples keep their high byte; colour keys compare all 16 bits.
struct PNGPixels {
    let header: PNGHeader
    /// Channels of the decoded image: 1 to 4.
    let channels: Int
    /// The palette as RGBA entries, 256 of them (black and opaque past PLTE); empty otherwise.
    private var palette: [UInt8] = []
    /// The grey or RGB colour key of tRNS, at full precision; nil when absent.
    private var key: [Int]?

    init(_ chunks: PNGChunks) {
        header = chunks.header
        let alpha = chunks.transparency != nil
        switch header.colorType {
        case 0: channels = alpha ? 2 : 1
        case 2, 3: channels = alpha ? 4 : 3
        case 4: channels = 2
        default: channels = 4
        }
        if header.colorType == 3 {
            palette = [UInt8](repeating: 0, count: 256 * 4)
            for entry in 0..<256 {
                if entry * 3 + 2 < chunks.palette.count {
                    for c in 0..<3 { palette[entry * 4 + c] = chunks.palette[entry * 3 + c] }
                }
                palette[entry * 4 + 3] = entry < (chunks.transparency?.count ?? 0) ? chunks.transparency![entry] : 255
            }
        } else if let transparency = chunks.transparency {
            key = stride(from: 0, to: transparency.count, by: 2).map { Int(transparency[$0]) << 8 | Int(transparency[$0 + 1]) }
        }
    }

    /// Whether rows copy straight through: 8-bit samples, no palette, no colour key.
    var isVerbatim: Bool { header.bitDepth == 8 && header.colorType != 3 && key == nil }

    /// Writes the `count` pixels of one unfiltered row to `out`, pixel i at `out + i * step * channels`.
    func expand(_ raw: UnsafePointer<UInt8>, count: Int, into out: UnsafeMutablePointer<UInt8>, step: Int) {
        let samples = header.storedSamples
        if isVerbatim {
            if step == 1 { out.update(from: raw, count: count * samples); return }
            for i in 0..<count { for c in 0..<samples { out[i * step * samples + c] = raw[i * samples + c] } }
        } else if header.bitDepth == 16 && key == nil {
            for i in 0..<count { for c in 0..<samples { out[i * step * samples + c] = raw[2 * (i * samples + c)] } }
        } else if header.colorType == 3 {
            palette.withUnsafeBufferPointer { table in
                for i in 0..<count {
                    let entry = Int(sample(raw, i)) * 4, target = out + i * step * channels
                    for c in 0..<channels { target[c] = table[entry + c] }
                }
            }
        } else {
            expandKeyed(raw, count: count, into: out, step: step)
        }
    }

    /// Grey of 1, 2 or 4 bits, and any grey or RGB with a colour key: sample by sample.
    private func expandKeyed(_ raw: UnsafePointer<UInt8>, count: Int, into out: UnsafeMutablePointer<UInt8>, step: Int) {
        let samples = header.storedSamples
        let depth = header.bitDepth
        let maximum = (1 << depth) - 1
        for i in 0..<count {
            let target = out + i * step * channels
            var matches = key != nil
            for c in 0..<samples {
                let value = sample(raw, i * samples + c)
                if let key, c < key.count, key[c] != value { matches = false }
                target[c] = switch depth {
                case 16: UInt8(value >> 8)
                case 8: UInt8(value)
                default: UInt8(value * 255 / maximum)
                }
            }
            if key != nil { target[samples] = matches ? 0 : 255 }
        }
    }

    /// The k-th stored sample of a row at full precision (samples of fewer than 8 bits are
    /// packed from the most significant bit down).
    @inline(__always)
    private func sample(_ raw: UnsafePointer<UInt8>, _ k: Int) -> Int {
        switch header.bitDepth {
        case 8: return Int(raw[k])
        case 16: return Int(raw[2 * k]) << 8 | Int(raw[2 * k + 1])
        default:
            let depth = header.bitDepth, bit = k * depth
            return Int(raw[bit >> 3] >> UInt8(8 - depth - (bit & 7))) & ((1 << depth) - 1)
        }
    }
}
