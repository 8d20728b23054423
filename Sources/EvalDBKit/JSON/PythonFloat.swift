/// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation when the
/// decimal exponent is in [-4, 16), else as `d.ddde±XX`.
enum PythonFloat {
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
