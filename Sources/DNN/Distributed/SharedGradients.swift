import Foundation

/// Sums the gradients of ranks that share one machine through shared memory, and keeps
/// one copy of the weights there, which each rank steps a part of (`ShardedOptimizer`).
///
/// With P gradient floats (the parameters laid end to end, in the network's order) and N
/// ranks, the window holds N segments of P floats, one more for the weights and one for
/// `gatherState`. Rank r's gradients live in segment r (each gradient tensor is a view into
/// it), so backward writes them where the other ranks read them; every rank's parameter
/// values are views into the one weight segment, which forward and backward read in place.
/// Rank r owns the r-th contiguous 1/N of [0, P) (`owned`, bounds on 16-float lines). A step:
/// 1. forward and backward read the weights and write segment r; barrier;
/// 2. rank r sums its chunk over the segments in rank order (seg_0 + seg_1 + ...: for 2
///    ranks the bits of `MPI_Allreduce`'s sum, as a + b == b + a exactly), adds `reg · W`
///    to that chunk's regularised weights (`addRegGradient`: the bits of `Objective`'s
///    `axpy`) and stores the result into that chunk of every segment; barrier. Every
///    segment now holds the whole gradient, so the gradient norm and clipping run on each
///    rank as before;
/// 3. rank r steps only its chunk (`Optimizer.step(_:elements:)`), which writes that chunk
///    of the weight segment, and zeroes the rest of its segment for the next backward;
///    barrier (`publishWeights`, which `DataParallel.agree` calls with the step's numbers:
///    the step's one rendezvous after the optimizer, where an `MPI_Allreduce` of the
///    numbers would be a fourth).
/// Between the barriers, each float is written by one rank and read by no other: a
/// segment's chunk c is written in step 2 only by rank c, and otherwise only by the
/// segment's rank; the weight segment's chunk r is written only by rank r, in step 3,
/// after every rank has passed the barrier that ends step 2 (so no rank still reads it
/// for the reg term) and before the barrier that ends step 3 (so no rank reads it in the
/// next forward yet). Nothing else writes the weights while ranks train (validation and
/// snapshots read them between steps).
///
/// Compared with the buckets' `MPI_Allreduce` (0.39 ms for the MLP's 2.1 MB on 2 ranks),
/// there is no copy through MPI's buffers, no copy of the weights, and each rank's
/// optimizer step covers 1/N of the parameters.
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
    /// [P] Float: the weights, every rank's parameter values; each chunk written by its owner.
    private let weights: UnsafeMutablePointer<Float>
    /// [P] Float: where `share` hands the optimizer's state around, each chunk written by its owner.
    private let staging: UnsafeMutablePointer<Float>
    /// [N][numberCapacity] Double: each rank's numbers of a step, written by that rank
    /// before the barrier that ends step 3 and read by every rank after it.
    private let numbers: UnsafeMutableRawPointer
    /// Where each parameter starts in the flat layout.
    private let offsets: [Int]
    private var waitSeconds = 0.0
    /// Whether this rank stepped its chunk of the weights and no barrier has published it yet.
    private var weightsPending = false
    /// The most numbers `publishWeights(summing:)` carries per rank.
    static let numberCapacity = 72

    /// Lays the gradients and the weights of `parameters` out in a shared window (a
    /// collective); nil (on every rank) for one process, ranks on several machines, or a
    /// window that could not be made. Every rank holds the same initial weights (the same
    /// seed, or the same checkpoint), so each copies only its chunk into the window.
    init?(parameters: [NamedParameter<Float>], communicator: any Communicator) {
        let ranks = communicator.size
        count = parameters.reduce(0) { $0 + $1.parameter.value.count }
        guard ranks > 1, count > 0 else { return nil }
        // Segments start on 64-byte lines, so no line holds two segments.
        let stride = (count + 15) / 16 * 16
        // The numbers' slots: 72 Doubles, 9 whole lines, per rank.
        let numberFloats = Self.numberCapacity * MemoryLayout<Double>.stride / MemoryLayout<Float>.stride
        guard let window = communicator.sharedWindow(count: (ranks + 2) * stride + ranks * numberFloats) else { return nil }
        self.window = window
        self.parameters = parameters
        rank = communicator.rank
        segments = (0..<ranks).map { window.base + $0 * stride }
        weights = window.base + ranks * stride
        staging = window.base + (ranks + 1) * stride
        numbers = UnsafeMutableRawPointer(window.base + (ranks + 2) * stride)
        offsets = parameters.indices.map { index in parameters[..<index].reduce(0) { $0 + $1.parameter.value.count } }
        owned = Self.chunk(rank, of: count, ranks: ranks)
        let arena = Tensor<Float>(viewing: segments[rank], count: count, owner: window)
        let weightArena = Tensor<Float>(viewing: weights, count: count, owner: window)
        store(parameters.map(\.parameter.value), into: weights, owned)
        window.barrier()
        for (index, (_, parameter)) in parameters.enumerated() {
            parameter.gradient.relocate(into: arena, at: offsets[index])
            parameter.value.relocate(into: weightArena, at: offsets[index], copying: false)
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

    /// Steps 1 and 2: every segment then holds the sum of all, plus `reg · W`.
    func finish(reg: Double) {
        let started = Date()
        checkViews()
        window.barrier()
        sumOwnedChunk()
        if reg > 0 { addRegGradient(Float(reg)) }
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

    /// `g += reg · W` over the owned chunk of each regularised weight, in every segment,
    /// with the bits of `Scalar.axpy` on the whole tensor: its vectors fuse the multiply
    /// and add, its tail (the last `count % lanes` elements) does not.
    private func addRegGradient(_ reg: Float) {
        let lanes = Float.Vector.scalarCount
        forEachSlice(of: parameters, in: owned) { index, range in
            let parameter = parameters[index].parameter
            guard parameter.isRegularized else { return }
            let tail = Swift.min(Swift.max(parameter.value.count / lanes * lanes, range.lowerBound), range.upperBound)
            let w = weights + offsets[index]
            for segment in segments {
                let g = segment + offsets[index]
                for i in range.lowerBound..<tail { g[i] = g[i].addingProduct(reg, w[i]) }
                for i in tail..<range.upperBound { g[i] += reg * w[i] }
            }
        }
    }

    /// Zeroes this rank's segment outside its chunk (the optimizer step zeroed the chunk),
    /// ready for the next backward, which accumulates.
    private func clearOthersChunks() {
        let segment = UnsafeMutableRawPointer(segments[rank]), size = MemoryLayout<Float>.stride
        segment.initializeMemory(as: UInt8.self, repeating: 0, count: owned.lowerBound * size)
        (segment + owned.upperBound * size).initializeMemory(as: UInt8.self, repeating: 0,
                                                              count: (count - owned.upperBound) * size)
    }

    /// Step 3's part before its barrier: this rank's chunk of the weights and of the
    /// optimizer's state, and its segment zeroed outside its chunk (the optimizer zeroes
    /// the chunk). The weights are published by the next `publishWeights(summing:)`.
    func step(_ optimizer: any Optimizer<Float>, _ compute: Compute) {
        optimizer.step(compute, elements: owned)
        clearOthersChunks()
        weightsPending = true
    }

    /// The end of step 3: once every rank has stepped its chunk of the weights, every rank
    /// reads them all. The barrier carries the step's numbers: `values` becomes their sum
    /// over the ranks, added in rank order (for 2 ranks the bits of `MPI_Allreduce`'s sum).
    func publishWeights(summing values: inout [Double]) {
        precondition(values.count <= Self.numberCapacity, "more numbers than a rank's slots hold")
        let started = Date(), ranks = segments.count, size = MemoryLayout<Double>.stride
        let mine = numbers + rank * Self.numberCapacity * size
        for (index, value) in values.enumerated() { mine.storeBytes(of: value, toByteOffset: index * size, as: Double.self) }
        window.barrier()
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

    /// Makes `tensors` (one per parameter, of its shape) whole on every rank from each
    /// owner's chunk, through the staging segment: a bit-exact copy. It waits first for
    /// every rank to be done with the staging segment (an earlier use).
    func share(_ tensors: [Tensor<Float>]) {
        precondition(tensors.count == parameters.count
                     && zip(tensors, parameters).allSatisfy { $0.count == $1.parameter.value.count },
                     "tensors that are not the parameters' shapes")
        precondition(!weightsPending, "a step's weights were not published")
        window.barrier()
        store(tensors, into: staging, owned)
        window.barrier()
        forEachSlice(of: parameters, in: 0..<owned.lowerBound) { index, range in copy(staging, into: tensors, index, range) }
        forEachSlice(of: parameters, in: owned.upperBound..<count) { index, range in
            copy(staging, into: tensors, index, range)
        }
    }

    /// `elements` of `tensors` (one per parameter) into `flat`, the parameters' layout.
    private func store(_ tensors: [Tensor<Float>], into flat: UnsafeMutablePointer<Float>, _ elements: Range<Int>) {
        forEachSlice(of: parameters, in: elements) { index, range in
            (flat + offsets[index] + range.lowerBound).update(from: tensors[index].data + range.lowerBound,
                                                              count: range.count)
        }
    }

    /// `range` of parameter `index` from `flat` into `tensors[index]`.
    private func copy(_ flat: UnsafeMutablePointer<Float>, into tensors: [Tensor<Float>], _ index: Int,
                      _ range: Range<Int>) {
        (tensors[index].data + range.lowerBound).update(from: flat + offsets[index] + range.lowerBound,
                                                        count: range.count)
    }

    /// Only a reshape could move a gradient or a value out of the window, and nothing
    /// reshapes one.
    private func checkViews() {
        precondition(!weightsPending, "a step's weights were not published (DataParallel.agree)")
        for (index, (_, parameter)) in parameters.enumerated() {
            precondition(parameter.gradient.data == segments[rank] + offsets[index]
                         && parameter.value.data == weights + offsets[index], "a parameter left the shared window")
        }
    }
}
