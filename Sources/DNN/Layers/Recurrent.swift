/// The four tensors of one layer and direction of a recurrent layer, PyTorch's
/// `weight_ih_l{k}[_reverse]`, `weight_hh_...`, `bias_ih_...`, `bias_hh_...`.
final class RecurrentWeights<T: Scalar> {
    /// [G·H, I]: the input's contribution to the G gate blocks.
    let input: Parameter<T>
    /// [G·H, H]: the previous hidden state's contribution.
    let hidden: Parameter<T>
    /// [G·H] each.
    let inputBias: Parameter<T>
    let hiddenBias: Parameter<T>
    /// `_l0`, `_l1_reverse`, ...
    let suffix: String

    /// PyTorch's initialisation: every entry U(-1/√H, 1/√H), in its parameter order.
    init(gates: Int, inputSize: Int, hiddenSize: Int, suffix: String, random: inout RandomGenerator) {
        let bound = 1 / Double(hiddenSize).squareRoot()
        func uniform(_ shape: [Int]) -> Parameter<T> {
            let values = (0..<shape.reduce(1, *)).map { _ in T((2 * random.uniform() - 1) * bound) }
            return Parameter(Tensor(shape: shape, values: values), regularized: false)
        }
        input = uniform([gates * hiddenSize, inputSize])
        hidden = uniform([gates * hiddenSize, hiddenSize])
        inputBias = uniform([gates * hiddenSize])
        hiddenBias = uniform([gates * hiddenSize])
        self.suffix = suffix
    }

    var state: [(name: String, entry: StateEntry<T>)] {
        [("weight_ih" + suffix, .parameter(input)), ("weight_hh" + suffix, .parameter(hidden)),
         ("bias_ih" + suffix, .parameter(inputBias)), ("bias_hh" + suffix, .parameter(hiddenBias))]
    }
}

/// `nn.LSTM` / `nn.GRU` with `batch_first=True`, on samples [T, F]: `layers` stacked
/// recurrences, each optionally bidirectional, returning the top layer's sequence
/// [T, D·H] or its final hidden states [D·H] (the forward direction's at t = T-1, the
/// reverse direction's at t = 0, as PyTorch's `h_n[-2:]`).
///
/// LSTM (gates i, f, g, o): i, f, o = σ(W_i·x + b_i + U·h' + b'), g = tanh(...),
/// c = f·c' + i·g, h = o·tanh(c). GRU (gates r, z, n): r, z = σ(...),
/// n = tanh(W_n·x + b_in + r·(U_n·h' + b_hn)), h = (1 - z)·n + z·h'. h₀ = c₀ = 0.
///
/// Everything runs time-major ([T, N, ·]), so a step's rows are contiguous: each step is
/// the input projection (x_t·W_ihᵀ + bias), one GEMM over the batch (h'·W_hhᵀ) and one
/// gate kernel, all on rows still in cache. Backward runs the steps in reverse: a gate
/// kernel, then from the step's gate gradients (one step's worth, reused) the bias sums,
/// dW_ih, dW_hh and dx, and the GEMM dA·W_hh that carries dh' to the previous step. W_ih
/// and W_hh are packed for the GEMM once per pass. Buffers are reused from step to step.
public final class Recurrent<T: Scalar>: Layer {
    public let spec: RecurrentSpec
    /// T and F of the input [T, F].
    public let steps: Int
    public let features: Int
    public let outputShape: [Int]
    /// Per layer and direction, in PyTorch's order: l0, l0_reverse, l1, ...
    let weights: [RecurrentWeights<T>]
    private(set) var computesInputGradient = true

    private var batch = 0
    private let input = Tensor<T>(shape: [0])            // [T, N, F], the latest x time-major
    private let sequences: [Tensor<T>]                    // per layer [T, N, D·H]
    private let gates: [Tensor<T>]                        // per layer and direction [T, N, G·H], activated
    private let cells: [Tensor<T>]                        // LSTM: per layer and direction [T, N, H]: c
    private let cellTanhs: [Tensor<T>]                    // LSTM: tanh(c)
    private let hiddenProjections: [Tensor<T>]            // GRU: h'·W_hhᵀ + b_hh, [T, N, G·H]
    private let zeros = Tensor<T>(shape: [0])             // [N, H]: h₀ and c₀
    private let transposedHidden = Tensor<T>(shape: [0])  // [H, G·H]: W_hhᵀ of the direction running
    private let transposedInput = Tensor<T>(shape: [0])   // [I, G·H]: W_ihᵀ of the direction running
    private let packedHidden = Tensor<T>(shape: [0])      // W_hhᵀ (forward) or W_hh (backward), packed for the GEMM
    private let packedInput = Tensor<T>(shape: [0])       // W_ihᵀ, packed for the GEMM
    private let combinedBias = Tensor<T>(shape: [0])      // [G·H]: LSTM's b_ih + b_hh
    private let output = Tensor<T>(shape: [0])            // [N, T, D·H] or [N, D·H]
    private let sequenceGradients = [Tensor<T>(shape: [0]), Tensor<T>(shape: [0])]  // [T, N, D·H], by turns
    private let timeMajorInputGradient = Tensor<T>(shape: [0])  // [T, N, F]
    private let inputGradient = Tensor<T>(shape: [0])     // [N, T, F]
    private let gateGradient = Tensor<T>(shape: [0])      // [N, G·H]: dL/d(input pre-activations) of one step
    private let hiddenGateGradient = Tensor<T>(shape: [0])  // GRU: [N, G·H], dL/d(hiddenProjection) of one step
    private let biasGradientSums = Tensor<T>(shape: [0])  // [2, G·H]: Σ dA and (GRU) Σ dA_hidden over the steps
    private let transposedInputGradient = Tensor<T>(shape: [0])  // [I, G·H]: dW_ihᵀ summed over the steps
    private let hiddenGradient = Tensor<T>(shape: [0])    // [N, H]: dL/dh' carried to the previous step
    private let cellGradient = Tensor<T>(shape: [0])      // LSTM: [N, H]: dL/dc'

    /// A layer on samples of `steps` x `features`, weights drawn from `random`.
    public init(_ spec: RecurrentSpec, steps: Int, features: Int, random: inout RandomGenerator) {
        self.spec = spec
        self.steps = steps
        self.features = features
        let width = spec.directions * spec.hidden
        outputShape = spec.returnsSequence ? [steps, width] : [width]
        var weights: [RecurrentWeights<T>] = []
        for layer in 0..<spec.layers {
            for direction in 0..<spec.directions {
                weights.append(RecurrentWeights(gates: spec.cell.gates, inputSize: layer == 0 ? features : width,
                                                hiddenSize: spec.hidden,
                                                suffix: "_l\(layer)" + (direction == 1 ? "_reverse" : ""),
                                                random: &random))
            }
        }
        self.weights = weights
        let units = spec.layers * spec.directions
        func tensors(_ count: Int) -> [Tensor<T>] { (0..<count).map { _ in Tensor(shape: [0]) } }
        sequences = tensors(spec.layers)
        gates = tensors(units)
        cells = tensors(spec.cell == .lstm ? units : 0)
        cellTanhs = tensors(spec.cell == .lstm ? units : 0)
        hiddenProjections = tensors(spec.cell == .gru ? units : 0)
    }

    public var state: [(name: String, entry: StateEntry<T>)] { weights.flatMap(\.state) }

    public func skipInputGradient() { computesInputGradient = false }

    /// Per layer and direction and step: the two products (2·G·H·(I + H)) and the two
    /// bias additions (2·G·H); the gate arithmetic is not counted.
    public var forwardFLOPs: Int {
        let gateUnits = spec.cell.gates * spec.hidden
        return weights.reduce(0) { total, w in
            total + steps * (2 * gateUnits * (w.input.value.shape[1] + spec.hidden) + 2 * gateUnits)
        }
    }

    /// Scalars per sample that a forward pass keeps for backward besides the output, as
    /// factors (multiplied with overflow checks by `MemoryPlan`): per step, layer and
    /// direction, H of the layer's sequence, the G·H gates, and c and tanh(c) (LSTM) or the
    /// G·H hidden projections (GRU).
    public static func cachedScalarsPerSample(_ spec: RecurrentSpec, steps: Int) -> [Int] {
        [steps, spec.layers, spec.directions, spec.hidden, 1 + spec.cell.gates + (spec.cell == .lstm ? 2 : spec.cell.gates)]
    }

    private func reshapeBuffers(batch n: Int) {
        let (h, width, gateUnits) = (spec.hidden, spec.directions * spec.hidden, spec.cell.gates * spec.hidden)
        input.reshape(to: [steps, n, features])
        for tensor in sequences { tensor.reshape(to: [steps, n, width]) }
        for tensor in gates + hiddenProjections { tensor.reshape(to: [steps, n, gateUnits]) }
        for tensor in cells + cellTanhs { tensor.reshape(to: [steps, n, h]) }
        zeros.reshape(to: [n, h])
        T.fill(zeros.data, with: 0, count: zeros.count)
        transposedHidden.reshape(to: [h, gateUnits])
        combinedBias.reshape(to: [gateUnits])
        output.reshape(to: [n] + outputShape)
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        let n = x.batchSize
        batch = n
        reshapeBuffers(batch: n)
        T.swapLeadingAxes(x.data, n, steps, inner: features, into: input.data)
        for layer in 0..<spec.layers {
            let layerInput = layer == 0 ? input : sequences[layer - 1]
            for direction in 0..<spec.directions {
                forward(layer: layer, direction: direction, input: layerInput, context.compute)
            }
        }
        writeOutput(batch: n)
        return output
    }

    /// The top layer's sequence as [N, T, D·H], or its final states as [N, D·H].
    private func writeOutput(batch n: Int) {
        let top = sequences[spec.layers - 1], (h, width) = (spec.hidden, spec.directions * spec.hidden)
        if spec.returnsSequence {
            T.swapLeadingAxes(top.data, steps, n, inner: width, into: output.data)
            return
        }
        T.copyRows(StridedRows(top.data + (steps - 1) * n * width, stride: width),
                   to: StridedRows(output.data, stride: width), rows: n, columns: h)
        if spec.bidirectional {
            T.copyRows(StridedRows(top.data + h, stride: width), to: StridedRows(output.data + h, stride: width),
                       rows: n, columns: h)
        }
    }

    /// B of the per-step products of `shape` packed into `storage` once for the whole pass
    /// (the step's GEMM packed all of W_hh at every step: 7% of the LSTM benchmark's time),
    /// or nil where the GEMM packs it itself.
    private func packOnce(_ shape: GEMMShape, _ b: UnsafePointer<T>, into storage: Tensor<T>) -> UnsafePointer<T>? {
        guard let count = T.packedOperandCount(shape) else { return nil }
        storage.reshape(to: [count])
        T.packOperand(shape, b, into: storage.data)
        return UnsafePointer(storage.data)
    }

    /// The time step `s` steps into a direction's pass: forward runs t = 0, 1, ..., reverse t = T-1, T-2, ...
    private func time(_ s: Int, direction: Int) -> Int { direction == 0 ? s : steps - 1 - s }

    /// One direction of one layer over all steps.
    private func forward(layer: Int, direction: Int, input x: Tensor<T>, _ compute: Compute) {
        let unit = layer * spec.directions + direction, w = weights[unit]
        let (n, h, width) = (batch, spec.hidden, spec.directions * spec.hidden)
        let gateUnits = spec.cell.gates * h, inputSize = x.shape[2]
        let gateBuffer = gates[unit].data
        var bias = w.inputBias.value.data
        if spec.cell == .lstm {
            combinedBias.data.update(from: w.inputBias.value.data, count: gateUnits)
            T.axpy(1, w.hiddenBias.value.data, combinedBias.data, count: gateUnits)
            bias = combinedBias.data
        }
        transposedInput.reshape(to: [inputSize, gateUnits])
        T.swapLeadingAxes(w.input.value.data, gateUnits, inputSize, inner: 1, into: transposedInput.data)
        T.swapLeadingAxes(w.hidden.value.data, gateUnits, h, inner: 1, into: transposedHidden.data)
        let stepShape = GEMMShape(m: n, n: gateUnits, k: h, lda: width)
        let packed = packOnce(stepShape, transposedHidden.data, into: packedHidden)
        let inputShape = GEMMShape(m: n, n: gateUnits, k: inputSize)
        let packedInputWeights = packOnce(inputShape, transposedInput.data, into: packedInput)
        let states = sequences[layer].data + direction * h
        for s in 0..<steps {
            let t = time(s, direction: direction), previous = time(s - 1, direction: direction)
            let stepGates = gateBuffer + t * n * gateUnits
            // Pre-activations from the input, [N, G·H] = x_t · W_ihᵀ + bias, step by step so
            // that the rows are still in cache for the recurrence and the gate kernel (all
            // steps at once wrote and read the whole [T, N, G·H] buffer through memory twice).
            T.gemm(inputShape, alpha: 1, x.data + t * n * inputSize, packedB: packedInputWeights,
                   transposedInput.data, beta: 0, stepGates, compute)
            T.addRowVector(bias, to: stepGates, rows: n, columns: gateUnits)
            let previousHidden = s == 0 ? StridedRows(zeros.data, stride: h)
                                        : StridedRows(states + previous * n * width, stride: width)
            let hidden = StridedRows(states + t * n * width, stride: width)
            // [N, G·H] += h' [N, H] · W_hhᵀ [H, G·H], into the gates (LSTM) or the GRU's own projection.
            let product = spec.cell == .lstm ? stepGates : hiddenProjections[unit].data + t * n * gateUnits
            if s > 0 {
                T.gemm(stepShape, alpha: 1, previousHidden.base, packedB: packed, transposedHidden.data,
                       beta: spec.cell == .lstm ? 1 : 0, product, compute)
            } else if spec.cell == .gru {
                T.fill(product, with: 0, count: n * gateUnits)
            }
            switch spec.cell {
            case .lstm:
                let cellStates = cells[unit].data
                T.lstmForwardStep(gates: stepGates, previousCell: s == 0 ? zeros.data : cellStates + previous * n * h,
                                  cell: cellStates + t * n * h, cellTanh: cellTanhs[unit].data + t * n * h,
                                  hidden: hidden, rows: n, size: h, compute)
            case .gru:
                T.addRowVector(w.hiddenBias.value.data, to: product, rows: n, columns: gateUnits)
                T.gruForwardStep(gates: stepGates, hiddenProjection: product, previousHidden: previousHidden,
                                 hidden: hidden, rows: n, size: h, compute)
            }
        }
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        let n = batch, (h, width) = (spec.hidden, spec.directions * spec.hidden)
        var upper = sequenceGradients[0]
        upper.reshape(to: [steps, n, width])
        if spec.returnsSequence {
            T.swapLeadingAxes(dy.data, n, steps, inner: width, into: upper.data)
        } else {
            T.fill(upper.data, with: 0, count: upper.count)
            T.copyRows(StridedRows(dy.data, stride: width),
                       to: StridedRows(upper.data + (steps - 1) * n * width, stride: width), rows: n, columns: h)
            if spec.bidirectional {
                T.copyRows(StridedRows(dy.data + h, stride: width), to: StridedRows(upper.data + h, stride: width),
                           rows: n, columns: h)
            }
        }
        let gateUnits = spec.cell.gates * h
        let perUnit = spec.cell == .gru ? [gateGradient, hiddenGateGradient] : [gateGradient]
        for tensor in perUnit { tensor.reshape(to: [n, gateUnits]) }
        for tensor in [hiddenGradient, cellGradient] { tensor.reshape(to: [n, h]) }
        for layer in (0..<spec.layers).reversed() {
            let below = layer == 0 ? timeMajorInputGradient : sequenceGradients[(spec.layers - layer) % 2]
            below.reshape(to: [steps, n, layer == 0 ? features : width])
            let wantsInput = layer > 0 || computesInputGradient
            for direction in 0..<spec.directions {
                backward(layer: layer, direction: direction, outputGradient: upper,
                         inputGradient: wantsInput ? below : nil, context.compute)
            }
            upper = below
        }
        inputGradient.reshape(to: [n, steps, features])
        if computesInputGradient {
            T.swapLeadingAxes(timeMajorInputGradient.data, steps, n, inner: features, into: inputGradient.data)
        }
        return inputGradient
    }

    /// One direction of one layer: the steps in reverse order, each step's gate gradients
    /// used for every gradient while they are in cache (see `accumulateStep`); the input
    /// gradient is added to the other direction's when `direction` is 1.
    private func backward(layer: Int, direction: Int, outputGradient dy: Tensor<T>, inputGradient dx: Tensor<T>?,
                          _ compute: Compute) {
        let unit = layer * spec.directions + direction, w = weights[unit]
        let (n, h, width) = (batch, spec.hidden, spec.directions * spec.hidden)
        let gateUnits = spec.cell.gates * h
        let states = sequences[layer].data + direction * h
        let dA = gateGradient.data, dHidden = spec.cell == .lstm ? dA : hiddenGateGradient.data
        T.fill(hiddenGradient.data, with: 0, count: hiddenGradient.count)
        T.fill(cellGradient.data, with: 0, count: cellGradient.count)
        let inputSize = (layer == 0 ? input : sequences[layer - 1]).shape[2]
        biasGradientSums.reshape(to: [2, gateUnits])
        T.fill(biasGradientSums.data, with: 0, count: biasGradientSums.count)
        transposedInputGradient.reshape(to: [inputSize, gateUnits])
        T.fill(transposedInputGradient.data, with: 0, count: transposedInputGradient.count)
        let stepShape = GEMMShape(m: n, n: h, k: gateUnits)
        let packed = packOnce(stepShape, w.hidden.value.data, into: packedHidden)
        for s in (0..<steps).reversed() {
            let t = time(s, direction: direction), previous = time(s - 1, direction: direction)
            let previousHidden = s == 0 ? StridedRows(zeros.data, stride: h)
                                        : StridedRows(states + previous * n * width, stride: width)
            let stepGradient = StridedRows(dy.data + t * n * width + direction * h, stride: width)
            let stepGates = gates[unit].data + t * n * gateUnits
            switch spec.cell {
            case .lstm:
                let cellStates = cells[unit].data
                T.lstmBackwardStep(gates: stepGates, previousCell: s == 0 ? zeros.data : cellStates + previous * n * h,
                                   cellTanh: cellTanhs[unit].data + t * n * h, outputGradient: stepGradient,
                                   hiddenGradient: hiddenGradient.data, cellGradient: cellGradient.data,
                                   gateGradient: dA, rows: n, size: h, compute)
            case .gru:
                T.gruBackwardStep(gates: stepGates, hiddenProjection: hiddenProjections[unit].data + t * n * gateUnits,
                                  previousHidden: previousHidden, outputGradient: stepGradient,
                                  hiddenGradient: hiddenGradient.data, inputGateGradient: dA,
                                  hiddenGateGradient: dHidden, rows: n, size: h, compute)
            }
            accumulateStep(t, first: s == 0, layer: layer, direction: direction, previousHidden: previousHidden,
                           inputGradient: dx, compute)
            // dh' [N, H] (+)= dA_hidden [N, G·H] · W_hh [G·H, H]; h₀'s gradient is not needed.
            if s > 0 {
                T.gemm(stepShape, alpha: 1, dHidden, packedB: packed, w.hidden.value.data,
                       beta: spec.cell == .lstm ? 0 : 1, hiddenGradient.data, compute)
            }
        }
        let sums = biasGradientSums.data
        T.axpy(1, sums, w.inputBias.gradient.data, count: gateUnits)
        T.axpy(1, spec.cell == .lstm ? sums : sums + gateUnits, w.hiddenBias.gradient.data, count: gateUnits)
        let gradient = w.input.gradient.data, product = transposedInputGradient.data
        for g in 0..<gateUnits {
            for i in 0..<inputSize { gradient[g * inputSize + i] += product[i * gateUnits + g] }
        }
    }

    /// Everything step `t`'s gate gradients (`gateGradient`, and the GRU's
    /// `hiddenGateGradient`, [N, G·H] each) give, while they are in cache: the bias sums,
    /// dW_ihᵀ [I, G·H] += x_tᵀ · dA_t, dW_hh += dA_hiddenᵀ · h' (not for the first step,
    /// whose h' is 0), and dx_t (+)= dA_t · W_ih. Summed over all steps at once instead,
    /// they read [T, N, G·H] gradients back from memory three times, and dW_ih of a
    /// narrow input was a product I columns wide on the GEMM's edge kernel.
    private func accumulateStep(_ t: Int, first: Bool, layer: Int, direction: Int, previousHidden: StridedRows<T>,
                                inputGradient dx: Tensor<T>?, _ compute: Compute) {
        let w = weights[layer * spec.directions + direction]
        let (n, h, gateUnits) = (batch, spec.hidden, spec.cell.gates * spec.hidden)
        let dA = gateGradient.data, dHidden = spec.cell == .lstm ? dA : hiddenGateGradient.data
        let x = layer == 0 ? input : sequences[layer - 1], inputSize = x.shape[2]
        T.accumulateColumnSums(dA, rows: n, columns: gateUnits, into: biasGradientSums.data)
        if spec.cell == .gru {
            T.accumulateColumnSums(dHidden, rows: n, columns: gateUnits, into: biasGradientSums.data + gateUnits)
        }
        T.gemm(GEMMShape(m: inputSize, n: gateUnits, k: n, transposeA: true), alpha: 1, x.data + t * n * inputSize,
               dA, beta: 1, transposedInputGradient.data, compute)
        if !first {
            T.gemm(GEMMShape(m: gateUnits, n: h, k: n, transposeA: true, ldb: previousHidden.stride), alpha: 1,
                   dHidden, previousHidden.base, beta: 1, w.hidden.gradient.data, compute)
        }
        if let dx {
            T.gemm(GEMMShape(m: n, n: inputSize, k: gateUnits), alpha: 1, dA, w.input.value.data,
                   beta: direction == 0 ? 0 : 1, dx.data + t * n * inputSize, compute)
        }
    }
}
