/// Bytes that stay where they are while an array is read from them: a memory-mapped file
/// (an `.npy`, or a member stored in an `.npz`), or a buffer a deflated member was
/// inflated into. Holding the region keeps its bytes alive.
final class ByteRegion: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let mapping: MappedFile?
    private let owned: UnsafeMutableRawBufferPointer?

    /// The whole of a mapped file.
    init(mapping: MappedFile) {
        self.mapping = mapping
        owned = nil
        bytes = UnsafeRawBufferPointer(start: mapping.bytes, count: mapping.count)
    }

    /// `count` uninitialised bytes of its own, filled by `fill`.
    init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        do {
            try fill(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
        } catch {
            buffer.deallocate()
            throw error
        }
        owned = buffer
        mapping = nil
        bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
    }

    /// A part of another region, which it keeps alive.
    init(_ parent: ByteRegion, range: Range<Int>) {
        parentRegion = parent
        mapping = nil
        owned = nil
        bytes = UnsafeRawBufferPointer(rebasing: parent.bytes[range])
    }

    private var parentRegion: ByteRegion?

    /// Whether the bytes are a file's mapping (the kernel's page cache), not memory of
    /// their own.
    var isMapping: Bool { mapping != nil || (parentRegion?.isMapping ?? false) }

    /// The file at `path`, mapped when it is a regular file, else read.
    /// - Throws: `DNNError(.io)` when it cannot be opened or read.
    static func file(_ path: String) throws -> ByteRegion {
        if let mapping = try MappedFile(path: path) { return ByteRegion(mapping: mapping) }
        let contents = try FileBytes.read(path)
        return ByteRegion(count: contents.count) { target in
            contents.withUnsafeBytes { source in
                if let base = source.baseAddress { target.baseAddress!.copyMemory(from: base, byteCount: source.count) }
            }
        }
    }

    deinit { owned?.deallocate() }
}
