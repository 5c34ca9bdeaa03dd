import Foundation

/// One-pass parameter updates of the optimizers, each the exact arithmetic of
/// torch.optim's single-tensor implementation (same operation order), so Double runs
/// agree with PyTorch to rounding. Each also sets the gradient it consumed to zero, in
/// the same pass, ready for the next backward (which accumulates).
public protocol OptimizerKernels: KernelScalar {
    /// SGD: `d = g + wd·p`; with momentum `buf = d` on the first step, else
    /// `buf = μ·buf + d`; `d = nesterov ? d + μ·buf : buf`; `p -= lr·d`.
    static func sgdUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafeMutablePointer<Self>,
                          momentumBuffer: UnsafeMutablePointer<Self>?, count: Int, lr: Self, momentum: Self,
                          nesterov: Bool, weightDecay: Self, firstStep: Bool, _ compute: Compute)
    /// Adam/AdamW: `p *= 1 - lr·wd` (decoupled) or `g += wd·p`; `m = lerp(m, g, 1-β1)`;
    /// `v = β2·v + (1-β2)·g²`; `p -= lr/(1-β1ᵗ) · m / (√v / √(1-β2ᵗ) + eps)`.
    static func adamUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafeMutablePointer<Self>, m: UnsafeMutablePointer<Self>,
                           v: UnsafeMutablePointer<Self>, count: Int, lr: Double, beta1: Double, beta2: Double,
                           eps: Double, weightDecay: Double, decoupled: Bool, step: Int, _ compute: Compute)
    /// RMSprop: `g += wd·p`; `sq = α·sq + (1-α)·g²`; `avg = √sq + eps`; with momentum
    /// `buf = μ·buf + g/avg`, `p -= lr·buf`, else `p -= lr·g/avg`.
    static func rmspropUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafeMutablePointer<Self>,
                              squareAverage: UnsafeMutablePointer<Self>, momentumBuffer: UnsafeMutablePointer<Self>?,
                              count: Int, lr: Self, alpha: Self, eps: Self, momentum: Self, weightDecay: Self,
                              _ compute: Compute)
}

extension OptimizerKernels {
    // Each update is one pass, vectorised, split over threads in fixed ranges (every
    // element is updated by one thread, so results do not depend on the thread count).
    // The vector and scalar-tail code compute the same expression in the same order.

    public static func sgdUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafeMutablePointer<Self>,
                                 momentumBuffer: UnsafeMutablePointer<Self>?, count: Int, lr: Self, momentum: Self,
                                 nesterov: Bool, weightDecay: Self, firstStep: Bool, _ compute: Compute) {
        compute.parallelRanges(count, grain: 1 << 15) { range in
            let lrV = Vector(repeating: lr), muV = Vector(repeating: momentum), wdV = Vector(repeating: weightDecay)
            let lanes = Vector.scalarCount
            var i = range.lowerBound
            while i + lanes <= range.upperBound {
                var d = weightDecay == 0 ? load(g + i) : load(g + i) + wdV * load(p + i)
                store(Vector(), g + i)
                if let buffer = momentumBuffer {
                    let b = firstStep ? d : muV * load(buffer + i) + d
                    store(b, buffer + i)
                    d = nesterov ? d + muV * b : b
                }
                store(load(p + i) - lrV * d, p + i)
                i += lanes
            }
            while i < range.upperBound {
                var d = weightDecay == 0 ? g[i] : g[i] + weightDecay * p[i]
                g[i] = 0
                if let buffer = momentumBuffer {
                    buffer[i] = firstStep ? d : momentum * buffer[i] + d
                    d = nesterov ? d + momentum * buffer[i] : buffer[i]
                }
                p[i] -= lr * d
                i += 1
            }
        }
    }

    public static func adamUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafeMutablePointer<Self>,
                                  m: UnsafeMutablePointer<Self>, v: UnsafeMutablePointer<Self>, count: Int,
                                  lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double,
                                  decoupled: Bool, step: Int, _ compute: Compute) {
        // Scalars are computed in Double, as PyTorch computes them in Python floats.
        let negativeStepSize = -Self(lr / (1 - pow(beta1, Double(step))))
        let correction2Root = Self((1 - pow(beta2, Double(step))).squareRoot())
        let decay = Self(1 - lr * weightDecay), wd = Self(weightDecay)
        let w1 = Self(1 - beta1), b2 = Self(beta2), w2 = Self(1 - beta2), e = Self(eps)
        // torch.lerp(m, g, w): m + w·(g - m) for w < 0.5, else g - (g - m)·(1 - w).
        let lerpFromStart = w1 < 0.5, w1c = 1 - w1
        let addDecay = !decoupled && weightDecay != 0
        compute.parallelRanges(count, grain: 1 << 14) { range in
            let stepV = Vector(repeating: negativeStepSize), c2V = Vector(repeating: correction2Root)
            let decayV = Vector(repeating: decay), wdV = Vector(repeating: wd), w1V = Vector(repeating: w1)
            let w1cV = Vector(repeating: w1c), b2V = Vector(repeating: b2), w2V = Vector(repeating: w2)
            let eV = Vector(repeating: e)
            let lanes = Vector.scalarCount
            var i = range.lowerBound
            while i + lanes <= range.upperBound {
                var pv = load(p + i), grad = load(g + i)
                store(Vector(), g + i)
                if decoupled { pv = pv * decayV } else if addDecay { grad = grad + wdV * pv }
                let mv = load(m + i)
                let newM = lerpFromStart ? mv + w1V * (grad - mv) : grad - (grad - mv) * w1cV
                let newV = load(v + i) * b2V + w2V * grad * grad
                store(newM, m + i)
                store(newV, v + i)
                store(pv + (stepV * newM) / (squareRoot(newV) / c2V + eV), p + i)
                i += lanes
            }
            while i < range.upperBound {
                var grad = g[i]
                g[i] = 0
                if decoupled { p[i] *= decay } else if addDecay { grad += wd * p[i] }
                m[i] = lerpFromStart ? m[i] + w1 * (grad - m[i]) : grad - (grad - m[i]) * w1c
                v[i] = v[i] * b2 + w2 * grad * grad
                p[i] += (negativeStepSize * m[i]) / (v[i].squareRoot() / correction2Root + e)
                i += 1
            }
        }
    }

    public static func rmspropUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafeMutablePointer<Self>,
                                     squareAverage: UnsafeMutablePointer<Self>,
                                     momentumBuffer: UnsafeMutablePointer<Self>?, count: Int, lr: Self, alpha: Self,
                                     eps: Self, momentum: Self, weightDecay: Self, _ compute: Compute) {
        compute.parallelRanges(count, grain: 1 << 14) { range in
            let lrV = Vector(repeating: lr), negLrV = Vector(repeating: -lr), aV = Vector(repeating: alpha)
            let aC = Vector(repeating: 1 - alpha), eV = Vector(repeating: eps), muV = Vector(repeating: momentum)
            let wdV = Vector(repeating: weightDecay)
            let lanes = Vector.scalarCount
            var i = range.lowerBound
            while i + lanes <= range.upperBound {
                let grad = weightDecay == 0 ? load(g + i) : load(g + i) + wdV * load(p + i)
                store(Vector(), g + i)
                let sq = load(squareAverage + i) * aV + aC * grad * grad
                store(sq, squareAverage + i)
                let average = squareRoot(sq) + eV
                if let buffer = momentumBuffer {
                    let b = load(buffer + i) * muV + grad / average
                    store(b, buffer + i)
                    store(load(p + i) - lrV * b, p + i)
                } else {
                    store(load(p + i) + (negLrV * grad) / average, p + i)
                }
                i += lanes
            }
            while i < range.upperBound {
                let grad = weightDecay == 0 ? g[i] : g[i] + weightDecay * p[i]
                g[i] = 0
                squareAverage[i] = squareAverage[i] * alpha + (1 - alpha) * grad * grad
                let average = squareAverage[i].squareRoot() + eps
                if let buffer = momentumBuffer {
                    buffer[i] = buffer[i] * momentum + grad / average
                    p[i] -= lr * buffer[i]
                } else {
                    p[i] += (-lr * grad) / average
                }
                i += 1
            }
        }
    }
}
