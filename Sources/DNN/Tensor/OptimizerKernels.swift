import Foundation

/// One-pass parameter updates of the optimizers, each the exact arithmetic of
/// torch.optim's single-tensor implementation (same operation order), so Double runs
/// agree with PyTorch to rounding.
public protocol OptimizerKernels: KernelScalar {
    /// SGD: `d = g + wd·p`; with momentum `buf = d` on the first step, else
    /// `buf = μ·buf + d`; `d = nesterov ? d + μ·buf : buf`; `p -= lr·d`.
    static func sgdUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>,
                          momentumBuffer: UnsafeMutablePointer<Self>?, count: Int, lr: Self, momentum: Self,
                          nesterov: Bool, weightDecay: Self, firstStep: Bool)
    /// Adam/AdamW: `p *= 1 - lr·wd` (decoupled) or `g += wd·p`; `m = lerp(m, g, 1-β1)`;
    /// `v = β2·v + (1-β2)·g²`; `p -= lr/(1-β1ᵗ) · m / (√v / √(1-β2ᵗ) + eps)`.
    static func adamUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>, m: UnsafeMutablePointer<Self>,
                           v: UnsafeMutablePointer<Self>, count: Int, lr: Double, beta1: Double, beta2: Double,
                           eps: Double, weightDecay: Double, decoupled: Bool, step: Int)
    /// RMSprop: `g += wd·p`; `sq = α·sq + (1-α)·g²`; `avg = √sq + eps`; with momentum
    /// `buf = μ·buf + g/avg`, `p -= lr·buf`, else `p -= lr·g/avg`.
    static func rmspropUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>,
                              squareAverage: UnsafeMutablePointer<Self>, momentumBuffer: UnsafeMutablePointer<Self>?,
                              count: Int, lr: Self, alpha: Self, eps: Self, momentum: Self, weightDecay: Self)
}

extension OptimizerKernels {
    public static func sgdUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>,
                                 momentumBuffer: UnsafeMutablePointer<Self>?, count: Int, lr: Self, momentum: Self,
                                 nesterov: Bool, weightDecay: Self, firstStep: Bool) {
        for i in 0..<count {
            var d = weightDecay == 0 ? g[i] : g[i] + weightDecay * p[i]
            if let buffer = momentumBuffer {
                buffer[i] = firstStep ? d : momentum * buffer[i] + d
                d = nesterov ? d + momentum * buffer[i] : buffer[i]
            }
            p[i] -= lr * d
        }
    }

    public static func adamUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>,
                                  m: UnsafeMutablePointer<Self>, v: UnsafeMutablePointer<Self>, count: Int,
                                  lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double,
                                  decoupled: Bool, step: Int) {
        // Scalars are computed in Double, as PyTorch computes them in Python floats.
        let stepSize = Self(lr / (1 - pow(beta1, Double(step))))
        let correction2Root = Self((1 - pow(beta2, Double(step))).squareRoot())
        let decay = Self(1 - lr * weightDecay), wd = Self(weightDecay)
        let w1 = Self(1 - beta1), b2 = Self(beta2), w2 = Self(1 - beta2), e = Self(eps)
        for i in 0..<count {
            var grad = g[i]
            if decoupled {
                p[i] *= decay
            } else if weightDecay != 0 {
                grad += wd * p[i]
            }
            // torch.lerp(m, g, w): m + w·(g - m) for w < 0.5, else g - (g - m)·(1 - w).
            m[i] = w1 < 0.5 ? m[i] + w1 * (grad - m[i]) : grad - (grad - m[i]) * (1 - w1)
            v[i] = v[i] * b2 + w2 * grad * grad
            // addcdiv: p + (-stepSize · m) / denom
            p[i] += (-stepSize * m[i]) / (v[i].squareRoot() / correction2Root + e)
        }
    }

    public static func rmspropUpdate(_ p: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>,
                                     squareAverage: UnsafeMutablePointer<Self>,
                                     momentumBuffer: UnsafeMutablePointer<Self>?, count: Int, lr: Self, alpha: Self,
                                     eps: Self, momentum: Self, weightDecay: Self) {
        for i in 0..<count {
            let grad = weightDecay == 0 ? g[i] : g[i] + weightDecay * p[i]
            squareAverage[i] = squareAverage[i] * alpha + (1 - alpha) * grad * grad
            let average = squareAverage[i].squareRoot() + eps
            if let buffer = momentumBuffer {
                buffer[i] = buffer[i] * momentum + grad / average
                p[i] -= lr * buffer[i]
            } else {
                p[i] += (-lr * grad) / average
            }
        }
    }
}
