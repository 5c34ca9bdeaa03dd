/// The Winograd F(2x2, 3x3) algorithm of a 3x3, stride-1 `Conv2D` (see `WinogradKernels`):
/// 16 matrix products of [N·tiles, C] by [C, O], 16/36 of im2col's multiplications, with
/// the data moved in and out of the transformed layout by cheap linear transforms.
///
/// Forward: `V = Bᵀ d B`, `U = G g Gᵀ`, `M[ξ] = V[ξ] · U[ξ]`, `y = Aᵀ M A + b`.
/// Backward, the transposes of the same maps: `dM = A dy Aᵀ`, `dU[ξ] = dM[ξ]ᵀ · V[ξ]`,
/// `dW += Gᵀ dU G`, `dV[ξ] = dM[ξ] · U[ξ]ᵀ`, `dx = B dV Bᵀ` summed over the tiles.
/// The 16 products are independent: each runs on one thread, whatever the thread count.
final class WinogradConvolution<T: Scalar> {
    let tiling: WinogradTiling
    let outChannels: Int
    private var inChannels: Int { tiling.geometry.channels }
    /// Channel counts rounded up to whole vectors.
    private let cp: Int
    private let op: Int

    private let transformedInput = Tensor<T>(shape: [0])   // V [16, inputStride]: [N·tiles, Cp] each; dV in backward
    private let transformedFilter = Tensor<T>(shape: [0])  // U [16, Cp, Op]
    private let products = Tensor<T>(shape: [0])           // M [16, productStride]: [N·tiles, Op] each; dM in backward
    private let filterGradient = Tensor<T>(shape: [0])     // dU [16, Op, Cp]
    private var batchSize = 0
    private var inputStride = 0
    private var productStride = 0
    /// One single-thread compute context per task, for the products.
    private var serial: [Compute] = []

    init(geometry: WindowGeometry, outChannels: Int) {
        precondition(WinogradTiling.applies(to: geometry), "Winograd F(2x2, 3x3) needs a 3x3 kernel at stride 1")
        tiling = WinogradTiling(geometry)
        self.outChannels = outChannels
        cp = T.paddedChannels(geometry.channels)
        op = T.paddedChannels(outChannels)
    }

    /// The distance between two of the 16 matrices of `count` scalars: whole 64-byte
    /// lines, plus one, so that the 16 streams of a transform fall in different cache sets.
    private static func matrixStride(_ count: Int) -> Int {
        let line = 64 / MemoryLayout<T>.stride
        return (count + line - 1) / line * line + line
    }

    /// Runs `body(ξ, compute)` for the 16 products, each on one thread.
    private func forEachProduct(_ compute: Compute, _ body: (Int, Compute) -> Void) {
        while serial.count < compute.threads { serial.append(Compute(threads: 1)) }
        let tasks = compute.threads, serial = self.serial
        for single in serial { single.productPrecision = compute.productPrecision }
        compute.parallel(tasks) { task in
            for xi in (16 * task / tasks)..<(16 * (task + 1) / tasks) { body(xi, serial[task]) }
        }
    }

    /// y [N, O, OH, OW] = conv(x, weight) + bias.
    func forward(_ x: UnsafePointer<T>, n: Int, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                 into y: UnsafeMutablePointer<T>, _ compute: Compute) {
        batchSize = n
        let tiles = n * tiling.perPlane, cp = self.cp, op = self.op
        inputStride = Self.matrixStride(tiles * cp)
        productStride = Self.matrixStride(tiles * op)
        transformedInput.reshape(to: [16, inputStride])
        transformedFilter.reshape(to: [16, cp, op])
        products.reshape(to: [16, productStride])
        let v = transformedInput.data, u = transformedFilter.data, m = products.data
        let inputStride = self.inputStride, productStride = self.productStride
        T.winogradInput(x, n: n, tiling, into: v, xiStride: inputStride, compute)
        T.winogradFilter(weight, outChannels: outChannels, inChannels: inChannels, into: u)
        forEachProduct(compute) { xi, serial in
            // M[ξ] [tiles, Op] = V[ξ] [tiles, Cp] · U[ξ] [Cp, Op]
            T.gemm(GEMMShape(m: tiles, n: op, k: cp), alpha: 1, v + xi * inputStride, u + xi * cp * op,
                   beta: 0, m + xi * productStride, serial)
        }
        T.winogradOutput(m, xiStride: productStride, n: n, outChannels: outChannels, tiling, bias: bias, into: y,
                         compute)
    }

    /// dW += ∂L/∂W from dy [N, O, OH, OW]; with `dx`, also dx [N, C, H, W] = ∂L/∂x.
    func backward(_ dy: UnsafePointer<T>, weightGradient: UnsafeMutablePointer<T>, dx: UnsafeMutablePointer<T>?,
                  _ compute: Compute) {
        let n = batchSize, tiles = n * tiling.perPlane, cp = self.cp, op = self.op
        filterGradient.reshape(to: [16, op, cp])
        let v = transformedInput.data, u = transformedFilter.data, m = products.data, du = filterGradient.data
        let inputStride = self.inputStride, productStride = self.productStride
        T.winogradOutputAdjoint(dy, n: n, outChannels: outChannels, tiling, into: m, xiStride: productStride, compute)
        let computesInputGradient = dx != nil
        forEachProduct(compute) { xi, serial in
            // dU[ξ] [Op, Cp] = dM[ξ]ᵀ · V[ξ]
            T.gemm(GEMMShape(m: op, n: cp, k: tiles, transposeA: true), alpha: 1, m + xi * productStride,
                   v + xi * inputStride, beta: 0, du + xi * op * cp, serial)
            if computesInputGradient {
                // dV[ξ] [tiles, Cp] = dM[ξ] · U[ξ]ᵀ, over V[ξ], which dU[ξ] no longer needs.
                T.gemm(GEMMShape(m: tiles, n: cp, k: op, transposeB: true), alpha: 1, m + xi * productStride,
                       u + xi * cp * op, beta: 0, v + xi * inputStride, serial)
            }
        }
        T.winogradFilterAdjoint(du, outChannels: outChannels, inChannels: inChannels, accumulateInto: weightGradient)
        if let dx { T.winogradInputAdjoint(v, xiStride: inputStride, n: n, tiling, dx: dx, compute) }
    }
}
