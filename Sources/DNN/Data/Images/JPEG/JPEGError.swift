/// The errors of the JPEG decoder: a `.data` `DNNError` located at `file: byte N`, the
/// offset of the marker or entropy-coded byte where the problem shows.
enum JPEGError {
    /// A damaged or unsupported file, at a byte offset.
    static func at(_ file: String, _ offset: Int, _ message: String) -> DNNError {
        DNNError(.data, at: "\(file): byte \(offset)", message)
    }

    /// A JPEG feature the decoder refuses, named as the contract names it.
    static func unsupported(_ file: String, _ offset: Int, _ feature: String) -> DNNError {
        DNNError(.data, at: "\(file): byte \(offset)", "\(feature) is not supported",
                 hint: "convert the image to a baseline or progressive 8-bit JPEG, or to PNG")
    }

    /// A marker's name as JPEG writes it, e.g. `FFC4 (DHT)`.
    static func markerName(_ marker: UInt8) -> String {
        let hex = "FF" + String(marker, radix: 16, uppercase: true)
        let names: [UInt8: String] = [0xC0: "SOF0", 0xC1: "SOF1", 0xC2: "SOF2", 0xC4: "DHT", 0xD8: "SOI", 0xD9: "EOI",
                                      0xDA: "SOS", 0xDB: "DQT", 0xDD: "DRI", 0xFE: "COM"]
        if let name = names[marker] { return "\(hex) (\(name))" }
        if (0xE0...0xEF).contains(marker) { return "\(hex) (APP\(marker - 0xE0))" }
        if (0xD0...0xD7).contains(marker) { return "\(hex) (RST\(marker - 0xD0))" }
        return hex
    }
}
