/// A contiguous, row-major (NCHW) array of scalars with a shape.
///
/// A tensor is a reference type: layers own their output and gradient tensors and
/// reuse them from step to step. `reshape(to:)` keeps the storage whenever it is
/// large enough, so a training step allocates nothing once the shapes are known.
public final class Tensor<T: Scalar>: @unchecked Sendable {
    /// The dimensions, batch first: [N, D] or [N, C, H, W].
    public private(set) var shape: [Int]
    /// The number of scalars, the product of `shape`.
    public private(set) var count: Int
    /// How many scalars the storage holds (at least `count`).
    public private(set) var capacity: Int
    /// The storage, 64-byte aligned so that kernels may use aligned vector loads.
    public private(set) var data: UnsafeMutablePointer<T>
    /// Keeps `data` alive: shared with the tensors that alias this one, so an alias
    /// never points at freed memory, whatever its source does later.
    private var storage: TensorStorage
    /// False while the tensor is an alias of another tensor's storage (`alias(of:shape:)`).
    private var ownsStorage = true

    /// A zero-filled tensor.
    public init(shape: [Int]) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.count = count
        self.capacity = Swift.max(count, 1)
        self.storage = TensorStorage(byteCount: capacity * MemoryLayout<T>.stride)
        self.data = storage.pointer.bindMemory(to: T.self, capacity: capacity)
        zero(first: capacity)
    }

    /// A flat tensor of `count` elements over memory that `owner` keeps alive (a
    /// `SharedWindow`'s): an arena for `relocate(into:at:)`, so that gradients live where
    /// other ranks read them. Its contents are left as they are.
    init(viewing pointer: UnsafeMutablePointer<T>, count: Int, owner: AnyObject) {
        shape = [count]
        self.count = count
        capacity = count
        storage = TensorStorage(borrowing: UnsafeMutableRawPointer(pointer), owner: owner)
        data = pointer
    }

    private func zero(first elements: Int) {
        UnsafeMutableRawPointer(data).initializeMemory(as: UInt8.self, repeating: 0,
                                                       count: elements * MemoryLayout<T>.stride)
    }

    /// A tensor holding `values` in row-major order.
    public convenience init(shape: [Int], values: [T]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.init(shape: shape)
        values.withUnsafeBytes { UnsafeMutableRawPointer(data).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    private func allocate(_ newCapacity: Int) {
        capacity = newCapacity
        storage = TensorStorage(byteCount: newCapacity * MemoryLayout<T>.stride)
        data = storage.pointer.bindMemory(to: T.self, capacity: newCapacity)
    }

    /// Gives the tensor a new shape, keeping the storage when it is large enough.
    /// The contents are unspecified afterwards unless the count is unchanged.
    public func reshape(to newShape: [Int]) {
        let newCount = newShape.reduce(1, *)
        if newCount > capacity || !ownsStorage {
            // An alias never writes into the storage it borrowed: it gets its own.
            ownsStorage = true
            allocate(Swift.max(newCount, 1))
            zero(first: capacity)
        }
        shape = newShape
        count = newCount
    }

    /// Makes this tensor a second name for `other`'s storage under `newShape` (the same
    /// number of elements): a reshape without a copy, as `Flatten` needs. Its values
    /// follow `other`'s until `other`'s owner runs again; the memory stays valid regardless.
    public func alias(of other: Tensor<T>, shape newShape: [Int]) {
        precondition(newShape.reduce(1, *) == other.count, "alias of \(other.count) elements as \(newShape)")
        ownsStorage = false
        storage = other.storage
        data = other.data
        capacity = other.capacity
        shape = newShape
        count = other.count
    }

    /// Moves this tensor's values to `arena`'s storage at `offset` and keeps them there, as a
    /// view: `GradientReducer` lays a bucket's gradients side by side this way and sums them
    /// over the ranks in place. A later reshape gives the tensor its own storage again.
    func relocate(into arena: Tensor<T>, at offset: Int) {
        precondition(offset >= 0 && offset + count <= arena.capacity, "view of \(count) elements at \(offset)")
        let target = arena.data + offset
        target.update(from: data, count: count)
        ownsStorage = false
        storage = arena.storage
        data = target
        capacity = count
    }

    /// The batch size: the first dimension.
    @inlinable public var batchSize: Int { shape[0] }
    /// The number of scalars per sample: the product of all but the first dimension.
    @inlinable public var sampleSize: Int { shape.isEmpty ? 1 : count / Swift.max(shape[0], 1) }

    // These run inside generic layer code, where a typed `update(repeating:)` would loop
    // through witness tables element by element: byte-level memset and memcpy instead.

    /// Sets every element to zero (all-zero bits are +0.0 in IEEE 754).
    public func zero() {
        UnsafeMutableRawPointer(data).initializeMemory(as: UInt8.self, repeating: 0,
                                                       count: count * MemoryLayout<T>.stride)
    }

    /// Sets every element to `value`.
    public func fill(_ value: T) { T.fill(data, with: value, count: count) }

    /// Copies the contents of `other`, which must have the same number of elements.
    public func copy(from other: Tensor<T>) {
        precondition(other.count == count, "copy between tensors of \(other.count) and \(count) elements")
        UnsafeMutableRawPointer(data).copyMemory(from: other.data, byteCount: count * MemoryLayout<T>.stride)
    }

    /// The elements as an array (for tests, checkpoints and printing).
    public var array: [T] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The element at a flat row-major index.
    public subscript(index: Int) -> T {
        get { data[index] }
        set { data[index] = newValue }
    }
}

extension Tensor {
    /// A copy of this tensor converted to another scalar type.
    public func converted<U: Scalar>(to: U.Type = U.self) -> Tensor<U> {
        let result = Tensor<U>(shape: shape)
        for i in 0..<count { result.data[i] = U(data[i]) }
        return result
    }
}

/// One 64-byte aligned allocation, freed when the last tensor that uses it goes away.
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    /// What keeps memory that is not this storage's own alive (a `SharedWindow`); nil when
    /// the storage allocated it.
    private let owner: AnyObject?

    init(byteCount: Int) {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        owner = nil
    }

    init(borrowing pointer: UnsafeMutableRawPointer, owner: AnyObject) {
        self.pointer = pointer
        self.owner = owner
    }

    deinit { if owner == nil { pointer.deallocate() } }
}
