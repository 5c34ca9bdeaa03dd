@testable import DNN
import Foundation

/// Runs one fuzz input through `body` and stops the fuzzer (a crash it records) unless
/// the library either succeeds or throws a `DNNError` that says where the problem is.
///
/// A parser may reject any input, but only in the documented way: any other error type,
/// or a `DNNError` without a location, is a bug just as a trap is.
func expectSuccessOrLocatedError(_ body: () throws -> Void) {
    do {
        try body()
    } catch let error as DNNError {
        if error.location?.isEmpty ?? true {
            fatalError("a DNNError without a location: \(error)")
        }
    } catch {
        fatalError("an error that is not a DNNError: \(error)")
    }
}

/// The body of a target's `LLVMFuzzerTestOneInput`: the input as bytes, then `body`.
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int, _ body: ([UInt8]) -> Void) -> CInt {
    body(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// `bytes` written to this process's scratch file `name` in the temporary folder, for the
/// readers that take a path (the streamed and mapped reads of `data.shard`).
func scratchFile(_ name: String, _ bytes: [UInt8]) -> String {
    let path = NSTemporaryDirectory() + "dnn-fuzz-\(getpid())-" + name
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        fatalError("cannot write the scratch file \(path)")
    }
    return path
}

/// Stops the fuzzer unless two reads of the same file agree: the same value, or errors
/// with the same text (`sameText` false: only both failing, for gzip damage, whose byte
/// offset depends on how much input zlib was given at once).
func expectSameOutcome<T: Equatable>(_ first: () throws -> T, _ second: () throws -> T, sameText: Bool = true,
                                     _ what: String) {
    let a = Result { try first() }, b = Result { try second() }
    switch (a, b) {
    case let (.success(x), .success(y)):
        if x != y { fatalError("\(what): the two reads give different tables") }
    case let (.failure(x), .failure(y)):
        if sameText && "\(x)" != "\(y)" { fatalError("\(what): different errors: \(x) / \(y)") }
    default:
        fatalError("\(what): one read fails and the other does not: \(a) / \(b)")
    }
}
