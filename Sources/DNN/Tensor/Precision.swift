import CBFloat16
import Foundation

/// The precision of the products of linear and convolution layers (`solver.precision`,
/// `--precision`), as PyTorch's CPU autocast: with `bf16` their operands are rounded to
/// bfloat16 and summed in float32; weights, gradients' sums, optimizer state,
/// normalisations, activations and losses stay float32 either way.
public enum Precision: String, CaseIterable, Sendable {
    case fp32
    case bf16
    /// bf16 where this CPU runs the network's products faster in bf16, else fp32:
    /// resolved before the first step by `PrecisionChoice`, which times both.
    case auto

    /// Whether this CPU multiplies bfloat16 pairs in hardware (AVX512_BF16), asked once.
    /// `DNN_DISABLE_BF16=1` answers no, to try the float32 fallback on any machine.
    public static let bfloat16Supported: Bool = !bfloat16Disabled && dnn_bf16_supported() != 0

    /// Whether `DNN_DISABLE_BF16` is set (to anything but empty or 0).
    static let bfloat16Disabled: Bool = {
        guard let value = ProcessInfo.processInfo.environment["DNN_DISABLE_BF16"] else { return false }
        return !value.isEmpty && value != "0"
    }()

    /// The precision this machine runs `self` in without timing anything: `bf16` falls
    /// back to `fp32` without the instructions (the caller says so once, see
    /// `fallbackNotice`), and `auto` is `fp32` until `PrecisionChoice` has measured it.
    public var effective: Precision {
        self == .bf16 && Precision.bfloat16Supported ? .bf16 : .fp32
    }

    /// The one line to print when `bf16` was asked for and runs as `fp32`, else nil.
    public var fallbackNotice: String? {
        guard self == .bf16, effective == .fp32 else { return nil }
        return "dnn: note: \(Precision.unavailableReason); precision bf16 runs in fp32"
    }

    /// Why bf16 is not available here.
    static var unavailableReason: String {
        Precision.bfloat16Disabled ? "DNN_DISABLE_BF16 is set"
            : "this CPU has no bfloat16 dot-product instructions (AVX512_BF16)"
    }

    /// `values` rounded to bfloat16 (nearest even, denormals to zero, as the hardware
    /// conversion) and back to Float: the operands a bf16 product really multiplies.
    public static func roundedToBFloat16(_ values: [Float]) -> [Float] {
        var rounded = values
        rounded.withUnsafeMutableBufferPointer { dnn_bf16_round($0.baseAddress, $0.count) }
        return rounded
    }
}
