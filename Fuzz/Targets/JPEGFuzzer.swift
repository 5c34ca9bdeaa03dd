@testable import DNN

/// The JPEG decoder on the bytes as a file's contents: it decodes them to an image whose
/// pixel count fits its size, or throws a located `DNNError`, and never traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { fuzz(data, size, checkJPEG) }

func checkJPEG(_ bytes: [UInt8]) {
    expectSuccessOrLocatedError {
        let image = try JPEGDecoder.decode(bytes, file: "fuzz.jpg")
        if image.pixels.count != image.width * image.height * image.channels || !(image.channels == 1 || image.channels == 3) {
            fatalError("a decoded image whose pixels do not fill its size")
        }
    }
}
