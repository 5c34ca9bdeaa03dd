@testable import DNN

/// The PNG decoder on the bytes as a file's contents: it decodes, or throws an error that
/// names the file, and a decoded image is as large as it says; the conversions and a
/// resize then run on it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { fuzz(data, size, checkPNG) }

func checkPNG(_ bytes: [UInt8]) {
    expectSuccessOrLocatedError {
        let image = try PNGDecoder.decode(bytes, file: "fuzz.png")
        guard image.pixels.count == image.width * image.height * image.channels else {
            fatalError("the pixels do not fill the image")
        }
        guard image.width * image.height <= 1 << 16 else { return }
        for channels in [1, 3] {
            let converted = ImageConversion.convert(image, toChannels: channels)
            let resized = ImageResize.resize(converted, height: 1 + image.height % 7, width: 1 + (image.width * 3) % 11)
            guard resized.pixels.count == resized.width * resized.height * channels else { fatalError("resize size") }
        }
    }
}
