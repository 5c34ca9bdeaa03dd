/// A growable buffer of Int32 indices (max pooling's argmax), reused across steps.
public final class IndexBuffer: @unchecked Sendable {
    public private(set) var data: UnsafeMutablePointer<Int32>
    public private(set) var capacity: Int

    public init() {
        capacity = 1
        data = .allocate(capacity: 1)
        data.initialize(to: 0)
    }

    deinit { data.deallocate() }

    /// Makes room for `count` indices; the contents are unspecified after growing.
    public func reserve(_ count: Int) {
        guard count > capacity else { return }
        data.deallocate()
        capacity = count
        data = .allocate(capacity: count)
        data.initialize(repeating: 0, count: count)
    }
}
