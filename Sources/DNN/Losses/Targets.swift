/// What a batch's outputs are scored against: class indices for cross-entropy, or target
/// values [N, D] for a regression loss. Pointers into the caller's batch, valid for one call.
public enum Targets<T: Scalar> {
    /// [N] class indices.
    case classes(UnsafePointer<Int32>)
    /// [N, D] target values, row-major (standardised when `data.normalize_target` is).
    case values(UnsafePointer<T>)
}
