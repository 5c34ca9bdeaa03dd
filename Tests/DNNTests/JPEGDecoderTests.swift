import Foundation
import Testing
@testable import DNN

/// JPEGDecoder against the pixels Pillow (libjpeg-turbo) decodes from the same files,
/// written by `tools/make_jpeg_fixtures.py` into Fixtures/jpeg; and damaged or unsupported
/// files, which must throw a located `.data` error naming the problem, never crash.
@Suite struct JPEGDecoderTests {
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let width: Int
        let height: Int
        let channels: Int
        var description: String { name }
    }

    static let folder = TestPaths.fixtures + "/jpeg"

    static let cases: [Case] = {
        guard let text = try? String(contentsOfFile: folder + "/manifest.json", encoding: .utf8),
              let json = try? JSON.parse(text, file: "manifest.json") else { return [] }
        return (json["cases"]?.array ?? []).compactMap { item in
            guard let name = item["name"]?.stringValue, let width = item["width"]?.int, let height = item["height"]?.int,
                  let channels = item["channels"]?.int else { return nil }
            return Case(name: name, width: width, height: height, channels: channels)
        }
    }()

    static func bytes(_ name: String) throws -> [UInt8] {
        try FileBytes.read(folder + "/" + name)
    }

    /// The largest difference from Pillow's pixels and how many are equal.
    static func compare(_ image: DecodedImage, _ expected: [UInt8]) -> (maximum: Int, equal: Int) {
        var maximum = 0, equal = 0
        for (a, b) in zip(image.pixels, expected) {
            let difference = abs(Int(a) - Int(b))
            maximum = max(maximum, difference)
            if difference == 0 { equal += 1 }
        }
        return (maximum, equal)
    }

    @Test func manifestListsEveryKind() {
        #expect(Self.cases.count >= 28)
    }

    @Test(arguments: cases)
    func decodesAsPillowDoes(_ fixture: Case) throws {
        let image = try JPEGDecoder.decode(Self.bytes(fixture.name + ".jpg"), file: fixture.name + ".jpg")
        let expected = try Self.bytes(fixture.name + ".raw")
        #expect(image.width == fixture.width)
        #expect(image.height == fixture.height)
        #expect(image.channels == fixture.channels)
        #expect(image.pixels.count == expected.count)
        let (maximum, equal) = Self.compare(image, expected)
        print("\(fixture.name): max difference \(maximum), \(equal) of \(expected.count) equal")
        #expect(maximum == 0)
    }
}

/// Damaged and unsupported JPEG files: each is a `.data` error at `file: byte N` whose
/// message names the feature or the damage; none crashes.
@Suite struct JPEGDecoderErrorTests {
    static let name = "s420_33x29.jpg"

    static func valid() throws -> [UInt8] { try JPEGDecoderTests.bytes(name) }

    /// The offset of the first marker `code` (its 0xFF) in `bytes`.
    static func marker(_ code: UInt8, in bytes: [UInt8]) -> Int {
        (0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == code } ?? -1
    }

    /// Decoding `bytes` fails with a `.data` error located in `file` whose text contains `words`.
    static func expectRefusal(_ bytes: [UInt8], file: String = "damaged.jpg", _ words: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let image = try JPEGDecoder.decode(bytes, file: file)
            Issue.record("decoded a \(image.width)x\(image.height) image; expected an error with '\(words)'",
                         sourceLocation: sourceLocation)
        } catch let error as DNNError {
            #expect(error.kind == .data, sourceLocation: sourceLocation)
            #expect(error.location?.hasPrefix("\(file): byte ") == true, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(words), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("not a DNNError: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// `bytes` with the frame header's marker code replaced by `code` (e.g. 0xC9 for SOF9).
    static func withFrameMarker(_ code: UInt8, _ bytes: [UInt8]) -> [UInt8] {
        var copy = bytes
        copy[marker(0xC0, in: bytes) + 1] = code
        return copy
    }

    @Test func refusesArithmeticCoding() throws {
        Self.expectRefusal(try JPEGDecoderTests.bytes("arithmetic.jpg"), file: "arithmetic.jpg",
                           "arithmetic-coded JPEG (FFC9) is not supported")
        Self.expectRefusal(Self.withFrameMarker(0xCA, try Self.valid()), "arithmetic-coded JPEG (FFCA) is not supported")
    }

    @Test func refuses12BitSamples() throws {
        var bytes = Self.withFrameMarker(0xC1, try Self.valid())
        bytes[Self.marker(0xC1, in: bytes) + 4] = 12
        Self.expectRefusal(bytes, "12-bit JPEG (sample precision 12) is not supported")
    }

    @Test func refusesLosslessAndHierarchical() throws {
        Self.expectRefusal(Self.withFrameMarker(0xC3, try Self.valid()), "lossless JPEG (FFC3, SOF3) is not supported")
        Self.expectRefusal(Self.withFrameMarker(0xC5, try Self.valid()), "hierarchical (differential) JPEG (FFC5) is not supported")
    }

    @Test func refusesCMYK() throws {
        Self.expectRefusal(try JPEGDecoderTests.bytes("cmyk.jpg"), file: "cmyk.jpg",
                           "4-component (CMYK/YCCK) JPEG is not supported")
    }

    @Test func refusesAbsurdSizesBeforeAllocating() throws {
        var bytes = try Self.valid()
        let sof = Self.marker(0xC0, in: bytes)
        bytes.replaceSubrange((sof + 5)...(sof + 8), with: [0xFF, 0xFF, 0xFF, 0xFF])
        Self.expectRefusal(bytes, "an image of 65535x65535 pixels is larger than the 89478485 pixels")
        bytes.replaceSubrange((sof + 5)...(sof + 8), with: [0x10, 0x00, 0x10, 0x00])
        Self.expectRefusal(bytes, "a 4096x4096 image needs at least")
        bytes.replaceSubrange((sof + 5)...(sof + 8), with: [0x00, 0x00, 0x00, 0x21])
        Self.expectRefusal(bytes, "an image height of 0 (set by a DNL marker) is not supported")
    }

    @Test func refusesTruncatedFiles() throws {
        let bytes = try Self.valid()
        Self.expectRefusal(Array(bytes[..<(bytes.count / 2)]), "truncated")
        Self.expectRefusal(Array(bytes[..<(Self.marker(0xDA, in: bytes) + 5)]), "truncated")
        Self.expectRefusal([], "not a JPEG file")
        Self.expectRefusal([0xFF, 0xD8], "the file ends before the EOI marker (truncated)")
    }

    @Test func refusesBadTablesLengthsAndIndexes() throws {
        let bytes = try Self.valid()
        let dht = Self.marker(0xC4, in: bytes), sos = Self.marker(0xDA, in: bytes), dqt = Self.marker(0xDB, in: bytes)
        var tooManyCodes = bytes
        #expect(Array(bytes[(dht + 5)...(dht + 7)]) == [0, 1, 5])  // Pillow's standard luminance DC table
        tooManyCodes[dht + 5] = 2  // two codes of 1 bit leave none for the longer ones
        tooManyCodes[dht + 7] = 3
        Self.expectRefusal(tooManyCodes, "DHT: table 0 has more codes of some length than that length allows")
        var longSegment = bytes
        longSegment[dqt + 2] = 0xFF
        Self.expectRefusal(longSegment, "runs past the end of the file")
        var shortSegment = bytes
        shortSegment[dqt + 2] = 0
        shortSegment[dqt + 3] = 1
        Self.expectRefusal(shortSegment, "bad length 1 of the FFDB (DQT) segment")
        var unknownComponent = bytes
        unknownComponent[sos + 5] = 9
        Self.expectRefusal(unknownComponent, "the scan names component 9, which the frame does not have")
        var badTable = bytes
        badTable[sos + 6] = 0x70
        Self.expectRefusal(badTable, "the scan names Huffman table 7 (0 to 3)")
        var badQuantization = bytes
        badQuantization[Self.marker(0xC0, in: bytes) + 12] = 5
        Self.expectRefusal(badQuantization, "component 1 names quantization table 5 (0 to 3)")
    }

    @Test func corruptEntropyDataIsAnError() throws {
        var bytes = try Self.valid()
        let data = Self.marker(0xDA, in: bytes) + 2 + 12
        // Stuffed 0xFF bytes: all one bits, which no code of the standard tables is.
        for index in stride(from: data, to: data + 40, by: 2) { bytes[index] = 0xFF; bytes[index + 1] = 0 }
        Self.expectRefusal(bytes, "corrupt entropy-coded data in the scan at byte")
    }

    /// Every prefix, and every single byte set to 0x00 or 0xFF, of a baseline and a
    /// progressive file with restart markers: decoded or refused with a located `.data`
    /// error, never a crash.
    @Test(arguments: ["s420_33x29.jpg", "restart_progressive_420_64x48.jpg", "cjpeg_440_progressive_17x13.jpg"])
    func damagedBytesNeverCrash(_ name: String) throws {
        let bytes = try JPEGDecoderTests.bytes(name)
        var variants = (0..<bytes.count).map { Array(bytes[..<$0]) }
        for index in bytes.indices {
            for value: UInt8 in [0x00, 0xFF, bytes[index] ^ 0x10] {
                var copy = bytes
                copy[index] = value
                variants.append(copy)
            }
        }
        var refused = 0
        for variant in variants {
            do {
                let image = try JPEGDecoder.decode(variant, file: name)
                #expect(image.pixels.count == image.width * image.height * image.channels)
            } catch let error as DNNError {
                #expect(error.kind == .data && error.location?.hasPrefix("\(name): byte ") == true, "\(error)")
                refused += 1
            }
        }
        #expect(refused >= bytes.count)  // at least every proper prefix of the file
    }
}
