@testable import DNN

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
