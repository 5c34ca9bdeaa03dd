/// The end of a decode: the inverse DCT of a progressive image's stored coefficients, then
/// each output row upsampled and converted to RGB (or copied, for greyscale).
extension JPEGDecoding {
    /// The image once the EOI marker (at `offset`) is reached.
    func assemble(at offset: Int) throws -> DecodedImage {
        guard let frame, scanCount > 0 else {
            throw JPEGError.at(file, offset, "the file has no image data: EOI comes before any scan (SOS)")
        }
        if let missing = componentSeen.firstIndex(of: false) {
            throw JPEGError.at(file, offset, "component \(missing + 1) is in no scan")
        }
        if frame.progressive { inverseTransformCoefficients(of: frame) }
        return try render(frame, at: offset)
    }

    /// The end of the data without an EOI marker: a sequential image whose scans are all
    /// there is kept (libjpeg has every row by then), anything else is truncated.
    func assembleWithoutEOI() throws -> DecodedImage {
        guard let frame, !frame.progressive, scanCount > 0 else {
            throw JPEGError.at(file, bytes.count, "the file ends before the EOI marker (truncated)")
        }
        return try assemble(at: bytes.count)
    }

    /// The inverse DCT of every stored block of every component, into the planes.
    func inverseTransformCoefficients(of frame: JPEGFrame) {
        for (index, component) in frame.components.enumerated() {
            let stride = component.planeStride
            for row in 0..<component.blocksPerColumn {
                for column in 0..<component.blocksPerLine {
                    let block = coefficients[index] + (row * component.blocksPerLine + column) * 64
                    let output = planes[index] + row * 8 * stride + column * 8
                    if JPEGInverseDCT.onlyDC(block) {
                        JPEGInverseDCT.constantBlock(dc: block[0], quantization: latchedQuantization[index][0],
                                                     output: output, stride: stride, range: JPEGInverseDCT.rangeLimit)
                    } else {
                        JPEGInverseDCT.block(block, quantization: latchedQuantization[index], output: output,
                                             stride: stride, workspace: workspace, range: JPEGInverseDCT.rangeLimit)
                    }
                }
            }
        }
    }

    /// Whether 3 components hold YCbCr (to convert) rather than RGB: libjpeg's guess from a
    /// JFIF marker, else the Adobe transform flag, else the component identifiers 'R' 'G' 'B'.
    func holdsYCbCr(_ frame: JPEGFrame) -> Bool {
        if sawJFIF { return true }
        if let adobeTransform { return adobeTransform != 0 }
        return frame.components.map(\.id) != [82, 71, 66]
    }

    /// The decoded pixels: greyscale rows as they are, three components upsampled and converted.
    func render(_ frame: JPEGFrame, at offset: Int) throws -> DecodedImage {
        let methods = frame.components.map { JPEGUpsampling.method(for: $0, in: frame) }
        guard methods.allSatisfy({ $0 != nil }) else {
            let factors = frame.components.map { "\($0.h)x\($0.v)" }.joined(separator: ", ")
            throw JPEGError.unsupported(file, frameOffset, "fractional sampling (factors \(factors))")
        }
        let width = frame.width, height = frame.height, channels = frame.components.count
        let buffers = frame.components.map { UnsafeMutablePointer<UInt8>.allocate(capacity: max(width, 2 * $0.width) + 8) }
        let sums = UnsafeMutablePointer<Int16>.allocate(capacity: frame.components.map(\.width).max() ?? 1)
        defer {
            for buffer in buffers { buffer.deallocate() }
            sums.deallocate()
        }
        let ycbcr = channels == 3 && holdsYCbCr(frame)
        let conversion = JPEGColorConversion.shared
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * channels) { output, initialized in
            for y in 0..<height {
                let target = output.baseAddress! + y * width * channels
                @inline(__always) func row(_ index: Int) -> UnsafePointer<UInt8> {
                    methods[index]!.row(y, of: frame.components[index], plane: planes[index], width: width,
                                        buffer: buffers[index], sums: sums)
                }
                if channels == 1 {
                    target.update(from: row(0), count: width)
                } else if ycbcr {
                    conversion.convertRow(y: row(0), cb: row(1), cr: row(2), into: target, width: width)
                } else {
                    JPEGColorConversion.interleaveRow(row(0), row(1), row(2), into: target, width: width)
                }
            }
            initialized = width * height * channels
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
    }
}
