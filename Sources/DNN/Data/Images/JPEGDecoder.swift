/// A placeholder with the JPEG decoder's signature, so that the image data source builds
/// before the real decoder (branch `jpeg`) is merged; that merge replaces this file.
public enum JPEGDecoder {
    /// Always throws: this build has no JPEG decoder yet.
    public static func decode(_ bytes: [UInt8], file: String) throws -> DecodedImage {
        throw DNNError.data(file, "JPEG decoding is not available in this build")
    }
}
