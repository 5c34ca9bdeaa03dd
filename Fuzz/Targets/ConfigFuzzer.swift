@testable import DNN

/// The config pipeline of `dnn train`: the bytes as UTF-8 text, `JSON.parse`, then
/// `Config.decode`; the JSON is also written back and read again, which must give the
/// same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    expectSuccessOrLocatedError {
        let json = try JSON.parse(text, file: "fuzz.json")
        let again = try JSON.parse(json.serialized(pretty: false), file: "serialized.json")
        if again != json { fatalError("JSON does not round-trip: \(json)") }
        _ = try Config.decode(json, baseDirectory: "/", defaultName: "fuzz")
    }
    return 0
}
