/// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation when the
/// decimal exponent is in [-4, 16), else as `d.ddde±XX`.
enum PythonFloat {
    /// Whether a JSON number is already exactly what `repr(float(text))` prints, so that it needs
    /// no conversion: plain decimal `-?int.frac` (no exponent), at most 15 significant digits (any
    /// two such decimals are different doubles, so none shorter prints the same double), no
    /// trailing zero in the fraction but a lone `0`, and a magnitude that Python prints without an
    /// exponent (zero, or at least 1e-4; 15 digits stay far below 1e16).
    static func isReprAsWritten(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        if i < text.count && text[i] == UInt8(ascii: "-") { i += 1 }
        let integerStart = i
        while i < text.count && text[i] &- UInt8(ascii: "0") < 10 { i += 1 }
        let integerDigits = i - integerStart
        guard integerDigits > 0, i < text.count, text[i] == UInt8(ascii: ".") else { return false }
        i += 1
        let fractionStart = i
        while i < text.count && text[i] &- UInt8(ascii: "0") < 10 { i += 1 }
        let fractionDigits = i - fractionStart
        guard i == text.count, fractionDigits > 0 else { return false }  // an exponent follows
        if text[i - 1] == UInt8(ascii: "0") && fractionDigits > 1 { return false }  // trailing zero
        let integerIsZero = integerDigits == 1 && text[integerStart] == UInt8(ascii: "0")
        var significant = integerIsZero ? 0 : integerDigits
        if integerIsZero {
            var leadingZeros = 0
            while leadingZeros < fractionDigits && text[fractionStart + leadingZeros] == UInt8(ascii: "0") { leadingZeros += 1 }
            if leadingZeros == fractionDigits { return fractionDigits == 1 }  // 0.0 and -0.0
            if leadingZeros > 3 { return false }  // below 1e-4 Python writes an exponent
            significant = fractionDigits - leadingZeros
        } else {
            significant += fractionDigits
        }
        return significant <= 15
    }

    static func repr(_ value: Double) -> String {
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description already has the shortest round-trip digits; only the layout differs.
        let (digits, pointPosition) = decimalDigits(of: value.magnitude.description)
        let sign = value.sign == .minus ? "-" : ""
        let count = digits.count
        if pointPosition > -4 && pointPosition <= 16 {
            if pointPosition <= 0 {
                return sign + "0." + String(repeating: "0", count: -pointPosition) + String(digits)
            } else if pointPosition >= count {
                return sign + String(digits) + String(repeating: "0", count: pointPosition - count) + ".0"
            } else {
                return sign + String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
            }
        }
        let exponent = pointPosition - 1
        var mantissa = String(digits[0])
        if count > 1 { mantissa += "." + String(digits[1...]) }
        let exponentDigits = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (exponentDigits.count < 2 ? "0" : "") + exponentDigits
    }

    /// Splits a positive decimal like `1.25e-07` or `0.001` into its significant digits (no leading
    /// or trailing zeros) and the position of the decimal point relative to them
    /// (value = 0.DIGITS × 10^position).
    private static func decimalDigits(of text: String) -> (digits: [Character], pointPosition: Int) {
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var digits: [Character] = []
        var pointPosition: Int?
        for character in mantissa {
            if character == "." { pointPosition = digits.count } else { digits.append(character) }
        }
        var position = (pointPosition ?? digits.count) + exponent
        while digits.first == "0" {
            digits.removeFirst()
            position -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits, position)
    }
}
