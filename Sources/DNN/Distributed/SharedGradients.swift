import Foundation

/// Sums the gradients of ranks that share one machine through shared memory, and hands
/// the updated weights around after each rank has stepped its part (`ShardedOptimizer`).
///
/// With P gradient floats (the parameters laid end to end, in the network's order) and N
/// ranks, the window holds N segments of P floats and one more for weights. Rank r's
/// gradients live in segment r (each gradient tensor is a view into it), so backward
/// writes them where the other ranks read them. Rank r owns the r-th contiguous 1/N of
/// [0, P) (`owned`, bounds on 16-float lines). A step:
/// 1. backward writes segment r; barrier;
/// 2. rank r sums its chunk over the segments in rank order (seg_0 + seg_1 + ...: for 2
///    ranks the bits of `MPI_Allreduce`'s sum, as a + b == b + a exactly) and stores the
///    sum into that chunk of every segment; barrier. Every segment now holds the whole
///    sum, so the reg term, the gradient norm and clipping run on each rank as before;
/// 3. rank r steps only its chunk (`Optimizer.step(_:elements:)`), zeroes the rest of its
///    segment for the next backward, writes its chunk of the weights into the weight
///    segment (`step`); barrier; copies the other chunks of the weights from it
///    (`publishWeights(summing:)`, which `DataParallel.agree` calls with the step's numbers:
///    the step's one rendezvous after the optimizer, where an `MPI_Allreduce` of the
///    numbers would be a fourth).
/// Between the barriers, each float is written by one rank and read by no other: a
/// segment's chunk c is written in step 2 only by rank c, and otherwise only by the
/// segment's rank; the weight segment's chunk r is written by rank r after the second
/// barrier of a step, and read by the others after the third, before they reach the next
/// step's first. Weights stay private to each rank, so the reg term and the penalty read
/// them without racing another rank's step.
///
/// The weights stay private, copied, rather than read by every rank from the weight
/// segment: measured, Adam in place on the MLP's half took 4 ms instead of 0.27 (most
/// likely each line, just read by the other ranks' forward, waits for its ownership),
/// where a copy (`memcpy`) writes whole lines and the copies cost 0.2-0.4 ms.
///
/// Compared with the buckets' `MPI_Allreduce` (0.39 ms for the MLP's 2.1 MB on 2 ranks),
/// there is no copy through MPI's buffers, and each rank's optimizer step covers 1/N of
/// the parameters.
final class SharedGradients: GradientSum {
    let parameters: [NamedParameter<Float>]
    /// This rank's part of the flat layout: the elements it sums and steps.
    let owned: Range<Int>
    private let window: any SharedWindow
    private let rank: Int
    /// P: the parameters' elements.
    private let count: Int
    /// [N] the segments' starts, in rank order: [P] Float each.
    private let segments: [UnsafeMutablePointer<Float>]
    /// [P] Float: the weights, each chunk written by its owner.
    private let weights: UnsafeMutablePointer<Float>
    /// Where each parameter starts in the flat layout.
    private let offsets: [Int]
    /// The parameters' values, once, for the weights' exchange (no array per step).
    private let values: [Tensor<Float>]
    /// [N][numberCapacity] Double: each rank's numbers of a step, written by that rank
    /// before the barrier that ends step 3 and read by every rank after it.
    private let numbers: UnsafeMutableRawPointer
    private var waitSeconds = 0.0
    /// Whether this rank stepped its chunk of the weights and no barrier has published it yet.
    private var weightsPending = false
    /// The most numbers `publishWeights(summing:)` carries per rank.
    static let numberCapacity = 72

    /// Lays the gradients of `parameters` out in a shared window; nil (on every rank) for one
    /// process, ranks on several machines, or a window that could not be made.
    init?(parameters: [NamedParameter<Float>], communicator: any Communicator) {
        let ranks = communicator.size
        count = parameters.reduce(0) { $0 + $1.parameter.value.count }
        guard ranks > 1, count > 0 else { return nil }
        // Segments start on 64-byte lines, so no line holds two segments.
        let stride = (count + 15) / 16 * 16
        // The numbers' slots: 72 Doubles, 9 whole lines, per rank.
        let numberFloats = Self.numberCapacity * MemoryLayout<Double>.stride / MemoryLayout<Float>.stride
        guard let window = communicator.sharedWindow(count: (ranks + 1) * stride + ranks * numberFloats) else { return nil }
        self.window = window
        self.parameters = parameters
        rank = communicator.rank
        segments = (0..<ranks).map { window.base + $0 * stride }
        weights = window.base + ranks * stride
        numbers = UnsafeMutableRawPointer(window.base + (ranks + 1) * stride)
        values = parameters.map(\.parameter.value)
        offsets = parameters.indices.map { index in parameters[..<index].reduce(0) { $0 + $1.parameter.value.count } }
        owned = Self.chunk(rank, of: count, ranks: ranks)
        let arena = Tensor<Float>(viewing: segments[rank], count: count, owner: window)
        var offset = 0
        for (_, parameter) in parameters {
            parameter.gradient.relocate(into: arena, at: offset)
            offset += parameter.gradient.count
        }
    }

    /// Rank `k`'s chunk of [0, count): a contiguous share of whole 16-float lines.
    static func chunk(_ k: Int, of count: Int, ranks: Int) -> Range<Int> {
        let lines = contiguousShare(of: 0..<((count + 15) / 16), rank: k, ranks: ranks)
        return Swift.min(lines.lowerBound * 16, count)..<Swift.min(lines.upperBound * 16, count)
    }

    func layerFinished(_ index: Int) {}

    func contributeNothing() {
        UnsafeMutableRawPointer(segments[rank]).initializeMemory(as: UInt8.self, repeating: 0,
                                                                 count: count * MemoryLayout<Float>.stride)
    }

    /// Steps 1 and 2: every segment then holds the sum of all.
    func finish() {
        let started = Date()
        checkViews()
        window.barrier()
        sumOwnedChunk()
        window.barrier()
        waitSeconds += Date().timeIntervalSince(started)
    }

    func takeWaitSeconds() -> Double {
        defer { waitSeconds = 0 }
        return waitSeconds
    }

    /// seg_0 + seg_1 + ... in rank order, over the owned chunk, stored into every segment.
    private func sumOwnedChunk() {
        let lanes = 16, ranks = segments.count, end = owned.upperBound
        var i = owned.lowerBound
        while i + lanes <= end {
            var sum = UnsafeRawPointer(segments[0] + i).loadUnaligned(as: SIMD16<Float>.self)
            for s in 1..<ranks { sum += UnsafeRawPointer(segments[s] + i).loadUnaligned(as: SIMD16<Float>.self) }
            for s in 0..<ranks { UnsafeMutableRawPointer(segments[s] + i).storeBytes(of: sum, as: SIMD16<Float>.self) }
            i += lanes
        }
        while i < end {
            var sum = segments[0][i]
            for s in 1..<ranks { sum += segments[s][i] }
            for s in 0..<ranks { segments[s][i] = sum }
            i += 1
        }
    }

    /// Step 3's part before its barrier: this rank's chunk of the weights and of the
    /// optimizer's state, its segment zeroed outside its chunk (the optimizer zeroes the
    /// chunk), its chunk of the weights in the weight segment. The next
    /// `publishWeights(summing:)` completes the exchange.
    func step(_ optimizer: any Optimizer<Float>, _ compute: Compute) {
        optimizer.step(compute, elements: owned)
        clearOthersChunks()
        store(values, into: owned)
        weightsPending = true
    }

    /// The end of step 3: once every rank has written its chunk of the weights, each copies
    /// the others' chunks. The barrier carries the step's numbers: `values` becomes their
    /// sum over the ranks, added in rank order (for 2 ranks the bits of `MPI_Allreduce`'s).
    func publishWeights(summing values: inout [Double]) {
        precondition(values.count <= Self.numberCapacity, "more numbers than a rank's slots hold")
        let started = Date(), ranks = segments.count, size = MemoryLayout<Double>.stride
        let mine = numbers + rank * Self.numberCapacity * size
        for (index, value) in values.enumerated() { mine.storeBytes(of: value, toByteOffset: index * size, as: Double.self) }
        window.barrier()
        copyFromWeights(into: self.values, 0..<owned.lowerBound)
        copyFromWeights(into: self.values, owned.upperBound..<count)
        weightsPending = false
        for index in values.indices {
            var sum = numbers.load(fromByteOffset: index * size, as: Double.self)
            for r in 1..<ranks {
                sum += numbers.load(fromByteOffset: (r * Self.numberCapacity + index) * size, as: Double.self)
            }
            values[index] = sum
        }
        waitSeconds += Date().timeIntervalSince(started)
    }

    /// Zeroes this rank's segment outside its chunk (the optimizer step zeroed the chunk),
    /// ready for the next backward, which accumulates.
    private func clearOthersChunks() {
        let segment = UnsafeMutableRawPointer(segments[rank]), size = MemoryLayout<Float>.stride
        segment.initializeMemory(as: UInt8.self, repeating: 0, count: owned.lowerBound * size)
        (segment + owned.upperBound * size).initializeMemory(as: UInt8.self, repeating: 0,
                                                              count: (count - owned.upperBound) * size)
    }

    /// Makes `tensors` (one per parameter, of its shape) whole on every rank from each
    /// owner's chunk, through the weight segment: a bit-exact copy. `after` waits first for
    /// every rank to be done with the weight segment (a second use between two steps).
    func share(_ tensors: [Tensor<Float>], after: Bool) {
        precondition(tensors.count == parameters.count && zip(tensors, values).allSatisfy { $0.count == $1.count },
                     "tensors that are not the parameters' shapes")
        precondition(!weightsPending, "a step's weights were not published")
        if after { window.barrier() }
        store(tensors, into: owned)
        window.barrier()
        copyFromWeights(into: tensors, 0..<owned.lowerBound)
        copyFromWeights(into: tensors, owned.upperBound..<count)
    }

    /// `elements` of `tensors` (one per parameter) into the weight segment.
    private func store(_ tensors: [Tensor<Float>], into elements: Range<Int>) {
        forEachSlice(of: parameters, in: elements) { index, range in
            (weights + offsets[index] + range.lowerBound).update(from: tensors[index].data + range.lowerBound,
                                                                 count: range.count)
        }
    }

    /// `elements` of the weight segment into `tensors`.
    private func copyFromWeights(into tensors: [Tensor<Float>], _ elements: Range<Int>) {
        forEachSlice(of: parameters, in: elements) { index, range in
            (tensors[index].data + range.lowerBound).update(from: weights + offsets[index] + range.lowerBound,
                                                            count: range.count)
        }
    }

    /// Only a reshape could move a gradient out of the segment, and nothing reshapes one.
    private func checkViews() {
        precondition(!weightsPending, "a step's weights were not published (DataParallel.agree)")
        var offset = 0
        for (_, parameter) in parameters {
            precondition(parameter.gradient.data == segments[rank] + offset, "a gradient left the shared segment")
            offset += parameter.gradient.count
        }
    }
}
