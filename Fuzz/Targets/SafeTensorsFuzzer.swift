@testable import DNN

/// The safetensors reader on the bytes as a file's contents; a file it accepts must
/// survive being written and read back with the same tensors and metadata. (The order
/// may change: zero-length tensors move when the gaps between tensors close.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { fuzz(data, size, checkSafeTensors) }

func checkSafeTensors(_ bytes: [UInt8]) {
    expectSuccessOrLocatedError {
        let file = try SafeTensors.decode(bytes, file: "fuzz.safetensors")
        let again = try SafeTensors.decode(file.encoded(), file: "encoded.safetensors")
        func byName(_ file: SafeTensors) -> [String: SafeTensors.Tensor] {
            Dictionary(file.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        }
        if again.metadata != file.metadata || again.tensors.count != file.tensors.count || byName(again) != byName(file) {
            fatalError("a file that was read does not round-trip")
        }
    }
}
