import Foundation

/// Exact powers of ten in Float: 10^10 < 2^24 * 2^10, so each is representable.
private let powersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

/// Numbers straight from the bytes: the fast path of a whole field, Clinger's exact
/// fast path for short decimals, `strtof` for the rest.
extension CSVParser {
    // MARK: Numbers

    /// The common case in one pass: an unquoted decimal number, optional spaces, then a
    /// terminator, all consumed. nil, with nothing consumed, for anything else; the
    /// caller then scans the field in full and reports what is wrong with it.
    @inline(__always)
    mutating func fastNumber() -> (Float, Terminator)? {
        var p = position
        // Small integers right before a separator or LF (pixel values, counts), in one loop.
        // base[end] is the zero sentinel, so reading one byte past a digit is safe.
        if case let first = base[p] &- 48, first < 10 {
            var value = UInt32(first)
            p += 1
            var digits = 1
            while digits < 7, case let d = base[p] &- 48, d < 10 {
                value = value * 10 + UInt32(d)
                p += 1
                digits += 1
            }
            if p < end && base[p] == separator {
                position = p + 1
                return (Float(value), .separator)
            }
            if p < end && base[p] == lineFeed {
                position = p + 1
                line += 1
                lineStart = position
                return (Float(value), .record)
            }
            p = position
        }
        while p < end && (base[p] == space || base[p] == otherBlank) { p += 1 }
        guard let (value, next) = parseNumber(from: p), value.isFinite else { return nil }
        p = next
        while p < end && (base[p] == space || base[p] == otherBlank) { p += 1 }
        if p < end && base[p] != separator && base[p] != lineFeed && base[p] != carriageReturn { return nil }
        position = p
        return (value, consumeTerminator())
    }

    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]` starting at `start`; returns the value
    /// (not necessarily finite) and the byte after the number, or nil if there is no number.
    ///
    /// Up to 24 significant bits and a power of ten up to 10^10 give a correctly rounded
    /// Float from one exact multiplication or division (Clinger's fast path); anything
    /// longer goes to `strtof`.
    @inline(__always)
    func parseNumber(from start: Int) -> (Float, Int)? {
        var p = start
        var negative = false
        if p < end && (base[p] == UInt8(ascii: "-") || base[p] == UInt8(ascii: "+")) {
            negative = base[p] == UInt8(ascii: "-")
            p += 1
        }
        var mantissa: UInt64 = 0, digits = 0, exponent = 0
        var sawDigit = false, inexact = false
        while p < end, case let d = base[p] &- 48, d < 10 {
            sawDigit = true
            if mantissa != 0 || d != 0 {
                if digits < 19 { mantissa = mantissa * 10 + UInt64(d); digits += 1 } else { exponent += 1; inexact = true }
            }
            p += 1
        }
        if p < end && base[p] == UInt8(ascii: ".") {
            p += 1
            while p < end, case let d = base[p] &- 48, d < 10 {
                sawDigit = true
                if mantissa != 0 || d != 0 {
                    if digits < 19 { mantissa = mantissa * 10 + UInt64(d); digits += 1; exponent -= 1 } else { inexact = true }
                } else {
                    exponent -= 1
                }
                p += 1
            }
        }
        guard sawDigit else { return nil }
        if p < end && (base[p] == UInt8(ascii: "e") || base[p] == UInt8(ascii: "E")) {
            var q = p + 1
            var exponentNegative = false
            if q < end && (base[q] == UInt8(ascii: "-") || base[q] == UInt8(ascii: "+")) {
                exponentNegative = base[q] == UInt8(ascii: "-")
                q += 1
            }
            var written = 0, sawExponentDigit = false
            while q < end, case let d = base[q] &- 48, d < 10 {
                sawExponentDigit = true
                written = min(written * 10 + Int(d), 100_000)
                q += 1
            }
            guard sawExponentDigit else { return nil }
            exponent += exponentNegative ? -written : written
            p = q
        }
        if mantissa == 0 { return (negative ? -0.0 : 0, p) }
        if !inexact && mantissa <= 1 << 24 && exponent >= -10 && exponent <= 10 {
            var value = Float(mantissa)
            value = exponent >= 0 ? value * powersOfTen[exponent] : value / powersOfTen[-exponent]
            return (negative ? -value : value, p)
        }
        return (slowNumber(from: start, to: p), p)
    }

    /// `strtof` on a copy of base[start..<stop], which holds a syntactically valid number.
    func slowNumber(from start: Int, to stop: Int) -> Float {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: stop - start + 1) { buffer in
            for i in 0..<(stop - start) { buffer[i] = CChar(bitPattern: base[start + i]) }
            buffer[stop - start] = 0
            return strtof(buffer.baseAddress!, nil)
        }
    }

    /// The value of a numeric field that the fast path did not take: NaN for a missing
    /// cell (with `missing` set), or the error that says why it is not a number.
    func number(in field: Field, columnName: String, plan: CSVColumnPlan) throws -> Float {
        if let missing = plan.missingValues, missing.contains(text(of: field)) { return .nan }
        let missingHint = "add \"missing\": {} to the csv source to fill missing cells"
        if field.start == field.end {
            throw DNNError.data(file, line: field.line, column: column(of: field),
                                "the value in column '\(columnName)' is empty; expected a number", hint: missingHint)
        }
        if !field.escaped, let (value, next) = parseNumber(from: field.start), next == field.end {
            if value.isFinite { return value }
            throw DNNError.data(file, line: field.line, column: column(of: field),
                                "'\(shortText(of: field))' in column '\(columnName)' is not a finite number")
        }
        let text = text(of: field)
        let hint = MissingValues.defaultValues.contains(text) && plan.missingValues == nil ? missingHint
            : "list '\(columnName)' in \"categorical\" of the csv source to one-hot encode it"
        throw DNNError.data(file, line: field.line, column: column(of: field),
                            "'\(shortText(of: field))' in column '\(columnName)' is not a number", hint: hint)
    }
}
