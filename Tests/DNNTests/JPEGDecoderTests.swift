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
