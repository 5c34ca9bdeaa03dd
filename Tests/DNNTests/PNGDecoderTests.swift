import Foundation
import Testing
@testable import DNN

/// The PNG decoder against Pillow, on files of every colour type, bit depth, palette,
/// tRNS and interlacing written by `tools/make_image_fixtures.py` (Pillow's decoded
/// pixels after convert("RGB") and convert("L") are its reference), and damaged files.
@Suite struct PNGDecoderTests {
    static let folder = TestPaths.fixtures + "/images"

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
    }

    @Test func everyColourTypeAndDepthMatchesPillow() throws {
        let cases = try Fixtures.cases("images/decoded.json")
        #expect(cases.count == 44)
        for reference in cases {
            let name = reference["file"]!.stringValue!
            let image = try PNGDecoder.decode(try Self.bytes(name), file: name)
            #expect(image.width == reference["width"]!.int! && image.height == reference["height"]!.int!, "\(name)")
            let rgb = ImageConversion.convert(image, toChannels: 3).pixels
            let grey = ImageConversion.convert(image, toChannels: 1).pixels
            #expect(rgb == reference["rgb"]!.array!.map { UInt8($0.int!) }, "\(name) as RGB")
            #expect(grey == reference["l"]!.array!.map { UInt8($0.int!) }, "\(name) as L")
        }
    }

    @Test func alphaComesFromTheAlphaChannelOrTransparency() throws {
        let keyed = try PNGDecoder.decode(try Self.bytes("grey8_key.png"), file: "grey8_key.png")
        #expect(keyed.channels == 2)
        // The colour key is grey 60: exactly those pixels are transparent.
        for i in 0..<(keyed.width * keyed.height) {
            #expect(keyed.pixels[2 * i + 1] == (keyed.pixels[2 * i] == 60 ? 0 : 255))
        }
        #expect(try PNGDecoder.decode(try Self.bytes("rgba16.png"), file: "x").channels == 4)
        #expect(try PNGDecoder.decode(try Self.bytes("palette4_trns.png"), file: "x").channels == 4)
        #expect(try PNGDecoder.decode(try Self.bytes("palette4.png"), file: "x").channels == 3)
    }

    @Test(arguments: [
        ("bad_truncated.png", "truncated"),
        ("bad_crc.png", "bad CRC in chunk tEXt"),
        ("bad_filter.png", "bad filter type 7 at row 0"),
        ("bad_bomb.png", "inflates to more than the 272 bytes the header implies"),
        ("bad_dimensions.png", "100000 x 100000 pixels"),
        ("bad_corrupt.png", "IDAT"),
    ])
    func damagedFilesNameTheFileAndTheProblem(file: String, problem: String) throws {
        let bytes = try Self.bytes(file)
        let error = expectError(.data) { try PNGDecoder.decode(bytes, file: file) }
        #expect(error?.description.contains(file) == true, "\(String(describing: error))")
        #expect(error?.description.contains(problem) == true, "\(String(describing: error))")
    }

    @Test func everyPrefixOfAFileIsRefusedWithoutACrash() throws {
        let bytes = try Self.bytes("rgb8_interlaced.png")
        for length in 0..<bytes.count {
            #expect(throws: DNNError.self) { try PNGDecoder.decode(Array(bytes[0..<length]), file: "cut.png") }
        }
    }

    @Test func resizeMatchesPillowBilinear() throws {
        let fixture = try JSON.parse(String(contentsOfFile: Self.folder + "/resize.json", encoding: .utf8), file: "resize.json")
        let source = try PNGDecoder.decode(try Self.bytes("resize_source.png"), file: "resize_source.png")
        let cases = fixture["cases"]!.array!
        #expect(cases.count == 16)
        for reference in cases {
            let channels = reference["mode"]!.stringValue! == "RGB" ? 3 : 1
            let height = reference["height"]!.int!, width = reference["width"]!.int!
            let resized = ImageResize.resize(ImageConversion.convert(source, toChannels: channels), height: height, width: width)
            let expected = reference["pixels"]!.array!.map { UInt8($0.int!) }
            #expect(resized.pixels.count == expected.count)
            let worst = zip(resized.pixels, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(worst == 0, "\(height) x \(width) x \(channels): off by up to \(worst)")
        }
    }
}
