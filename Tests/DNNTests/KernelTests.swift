import Foundation
import Testing
@testable import DNN

/// The building blocks under the layers: the vector square root, the register
/// transposition, the thread pool, and the determinism of parallel kernels.
@Suite struct KernelTests {
    @Test func vectorSquareRootIsWithinAnUlp() {
        var random = RandomGenerator(seed: 11)
        for _ in 0..<2000 {
            let exponent = Float(random.uniform() * 60 - 30)
            var x = SIMD16<Float>()
            for lane in 0..<16 { x[lane] = Float(random.uniform() + 0.001) * powf(10, exponent) }
            x[3] = 0
            let root = Float.squareRoot(x)
            for lane in 0..<16 {
                let exact = x[lane].squareRoot()
                #expect(abs(root[lane] - exact) <= exact.ulp, "√\(x[lane]): \(root[lane]) vs \(exact)")
            }
        }
        var y = SIMD8<Double>()
        for lane in 0..<8 { y[lane] = Double(lane) * 1.37e-3 + 1e-12 }
        let root = Double.squareRoot(y)
        for lane in 0..<8 { #expect(abs(root[lane] - y[lane].squareRoot()) <= y[lane].squareRoot().ulp) }
    }

    @Test func registerTransposeMatchesScalarTranspose() {
        let source = (0..<(16 * 20)).map(Float.init)
        var target = [Float](repeating: -1, count: 16 * 24)
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                Float.transposeBlock(from: s.baseAddress!, sourceStride: 20, to: t.baseAddress!, targetStride: 24)
            }
        }
        for r in 0..<16 {
            for c in 0..<16 { #expect(target[r * 24 + c] == source[c * 20 + r]) }
            for c in 16..<24 { #expect(target[r * 24 + c] == -1, "wrote outside the block") }
        }
    }

    @Test func threadPoolRunsEveryTaskOncePerRegion() {
        let compute = Compute(threads: 2)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: 64)
        for region in 0..<5000 {
            let tasks = 1 + region % 64
            compute.parallel(tasks) { task in counts[task] += 1 }
        }
        for task in 0..<64 {
            let expected = (0..<5000).filter { 1 + $0 % 64 > task }.count
            #expect(counts[task] == expected, "task \(task)")
        }
        // A parallel call from inside a task runs serially instead of deadlocking.
        let inner = UnsafeMutablePointer<Int>.allocate(capacity: 8)
        defer { inner.deallocate() }
        inner.initialize(repeating: 0, count: 8)
        compute.parallel(2) { outer in
            compute.parallel(4) { task in inner[outer * 4 + task] += 1 }
        }
        #expect((0..<8).allSatisfy { inner[$0] == 1 })
    }

    @Test func parallelKernelsGiveTheSameBitsForEveryThreadCount() throws {
        let loaded = try Config.load(path: TestPaths.packageRoot + "/configs/every_layer.json")
        var results: [[SafeTensors.Tensor]] = []
        for threads in [1, 2, 3] {
            var random = RandomGenerator(seed: 5)
            let network: Sequential<Float> = try NetworkBuilder.build(loaded.config.model.layers, inputShape: [1, 2, 2],
                                                                      random: &random)
            let optimizer = loaded.config.solver.optimizer.makeOptimizer(for: network.parameters)
            optimizer.learningRate = 0.01
            let step = TrainingStep(network: network, optimizer: optimizer, reg: 0.01)
            let input = Tensor<Float>(shape: [32, 1, 2, 2], values: (0..<128).map { _ in Float(random.normal()) })
            let labels = (0..<32).map { Int32($0 % 3) }
            let context = Context(random: RandomGenerator(seed: 9), compute: Compute(threads: threads))
            for _ in 0..<5 { _ = labels.withUnsafeBufferPointer { step.run(input, labels: $0.baseAddress!, context: context) } }
            results.append(Checkpoint.stateTensors(of: network).map(\.tensor))
        }
        #expect(results[0] == results[1] && results[1] == results[2])
    }
}
