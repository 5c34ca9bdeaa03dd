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
/// Everything runs time-major ([T, N, ·]), so a step's rows are contiguous: the input
/// projection of all steps and the whole batch is one GEMM before the recurrence; each
/// step is one GEMM over the batch (h'·W_hhᵀ) and one gate kernel. Backward runs the
/// steps in reverse with one GEMM each (dA·W_hh), then gets dW_hh, dW_ih, the biases and
/// dx from GEMMs and column sums over all steps at once. Buffers are reused from step to step.
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
    private let combinedBias = Tensor<T>(shape: [0])      // [G·H]: LSTM's b_ih + b_hh
    private let output = Tensor<T>(shape: [0])            // [N, T, D·H] or [N, D·H]
    private let sequenceGradients = [Tensor<T>(shape: [0]), Tensor<T>(shape: [0])]  // [T, N, D·H], by turns
    private let timeMajorInputGradient = Tensor<T>(shape: [0])  // [T, N, F]
    private let inputGradient = Tensor<T>(shape: [0])     // [N, T, F]
    private let gateGradient = Tensor<T>(shape: [0])      // [T, N, G·H]: dL/d(input pre-activations)
    private let hiddenGateGradient = Tensor<T>(shape: [0])  // GRU: [T, N, G·H], dL/d(hiddenProjection)
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

    /// The time step `s` steps into a direction's pass: forward runs t = 0, 1, ..., reverse t = T-1, T-2, ...
    private func time(_ s: Int, direction: Int) -> Int { direction == 0 ? s : steps - 1 - s }

    /// One direction of one layer over all steps.
    private func forward(layer: Int, direction: Int, input x: Tensor<T>, _ compute: Compute) {
        let unit = layer * spec.directions + direction, w = weights[unit]
        let (n, h, width) = (batch, spec.hidden, spec.directions * spec.hidden)
        let gateUnits = spec.cell.gates * h, inputSize = x.shape[2]
        let gateBuffer = gates[unit].data
        // Pre-activations from the input, every step and sample at once: [T·N, G·H] = x · W_ihᵀ + bias.
        T.gemm(GEMMShape(m: steps * n, n: gateUnits, k: inputSize, transposeB: true),
               alpha: 1, x.data, w.input.value.data, beta: 0, gateBuffer, compute)
        var bias = w.inputBias.value.data
        if spec.cell == .lstm {
            combinedBias.data.update(from: w.inputBias.value.data, count: gateUnits)
            T.axpy(1, w.hiddenBias.value.data, combinedBias.data, count: gateUnits)
            bias = combinedBias.data
        }
        T.addRowVector(bias, to: gateBuffer, rows: steps * n, columns: gateUnits)
        T.swapLeadingAxes(w.hidden.value.data, gateUnits, h, inner: 1, into: transposedHidden.data)
        let states = sequences[layer].data + direction * h
        for s in 0..<steps {
            let t = time(s, direction: direction), previous = time(s - 1, direction: direction)
            let stepGates = gateBuffer + t * n * gateUnits
            let previousHidden = s == 0 ? StridedRows(zeros.data, stride: h)
                                        : StridedRows(states + previous * n * width, stride: width)
            let hidden = StridedRows(states + t * n * width, stride: width)
            // [N, G·H] += h' [N, H] · W_hhᵀ [H, G·H], into the gates (LSTM) or the GRU's own projection.
            let product = spec.cell == .lstm ? stepGates : hiddenProjections[unit].data + t * n * gateUnits
            if s > 0 {
                T.gemm(GEMMShape(m: n, n: gateUnits, k: h, lda: width), alpha: 1, previousHidden.base,
                       transposedHidden.data, beta: spec.cell == .lstm ? 1 : 0, product, compute)
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
        for tensor in perUnit { tensor.reshape(to: [steps, n, gateUnits]) }
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

    /// One direction of one layer: the steps in reverse order, then the weight gradients
    /// and the input gradient (added to the other direction's when `direction` is 1).
    private func backward(layer: Int, direction: Int, outputGradient dy: Tensor<T>, inputGradient dx: Tensor<T>?,
                          _ compute: Compute) {
        let unit = layer * spec.directions + direction, w = weights[unit]
        let (n, h, width) = (batch, spec.hidden, spec.directions * spec.hidden)
        let gateUnits = spec.cell.gates * h
        let states = sequences[layer].data + direction * h
        let dA = gateGradient.data, dHidden = spec.cell == .lstm ? dA : hiddenGateGradient.data
        T.fill(hiddenGradient.data, with: 0, count: hiddenGradient.count)
        T.fill(cellGradient.data, with: 0, count: cellGradient.count)
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
                                   gateGradient: dA + t * n * gateUnits, rows: n, size: h, compute)
            case .gru:
                T.gruBackwardStep(gates: stepGates, hiddenProjection: hiddenProjections[unit].data + t * n * gateUnits,
                                  previousHidden: previousHidden, outputGradient: stepGradient,
                                  hiddenGradient: hiddenGradient.data, inputGateGradient: dA + t * n * gateUnits,
                                  hiddenGateGradient: dHidden + t * n * gateUnits, rows: n, size: h, compute)
            }
            // dh' [N, H] (+)= dA_hidden [N, G·H] · W_hh [G·H, H]; h₀'s gradient is not needed.
            if s > 0 {
                T.gemm(GEMMShape(m: n, n: h, k: gateUnits), alpha: 1, dHidden + t * n * gateUnits,
                       w.hidden.value.data, beta: spec.cell == .lstm ? 0 : 1, hiddenGradient.data, compute)
            }
        }
        accumulateWeightGradients(w, layer: layer, direction: direction, dA: dA, dHidden: dHidden, compute)
        if let dx {
            let x = layer == 0 ? input : sequences[layer - 1]
            // dx [T·N, I] (+)= dA [T·N, G·H] · W_ih [G·H, I]
            T.gemm(GEMMShape(m: steps * n, n: x.shape[2], k: gateUnits), alpha: 1, dA, w.input.value.data,
                   beta: direction == 0 ? 0 : 1, dx.data, compute)
        }
    }

    /// dW_hh += Σₜ dA_hiddenₜᵀ · h'ₜ, dW_ih += dAᵀ · x, and the bias sums, over all steps at once.
    private func accumulateWeightGradients(_ w: RecurrentWeights<T>, layer: Int, direction: Int,
                                           dA: UnsafeMutablePointer<T>, dHidden: UnsafeMutablePointer<T>,
                                           _ compute: Compute) {
        let (n, h, width) = (batch, spec.hidden, spec.directions * spec.hidden)
        let gateUnits = spec.cell.gates * h
        if steps > 1 {
            // Step t's h' is the state of t - 1 (forward) or t + 1 (reverse): the two blocks of
            // (T - 1)·N rows are offset by one step, and the first step (h' = 0) drops out.
            let (gradientStep, stateStep) = direction == 0 ? (1, 0) : (0, 1)
            T.gemm(GEMMShape(m: gateUnits, n: h, k: (steps - 1) * n, transposeA: true, ldb: width), alpha: 1,
                   dHidden + gradientStep * n * gateUnits, sequences[layer].data + direction * h + stateStep * n * width,
                   beta: 1, w.hidden.gradient.data, compute)
        }
        T.accumulateColumnSums(dHidden, rows: steps * n, columns: gateUnits, into: w.hiddenBias.gradient.data)
        T.accumulateColumnSums(dA, rows: steps * n, columns: gateUnits, into: w.inputBias.gradient.data)
        let x = layer == 0 ? input : sequences[layer - 1]
        T.gemm(GEMMShape(m: gateUnits, n: x.shape[2], k: steps * n, transposeA: true), alpha: 1, dA, x.data,
               beta: 1, w.input.gradient.data, compute)
    }
}
