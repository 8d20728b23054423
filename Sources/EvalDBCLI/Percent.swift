import ArgumentParser

/// A rate, a power or a confidence as a user types it: in percent (`--rate 90`, `--min-power 80`,
/// `--confidence 95`), as every output prints rates and differences in points. One rule for every
/// command (docs/commands.md): a number from 0 to 100, `%` allowed after it; a number between 0 and
/// 1 without `%` is refused as a fraction, with the percent it likely means — a rate under 1% is
/// written with its sign (`--rate 0.5%`).
enum Percent {
    /// The fraction (0.9 for "90") that `text` means; throws a usage error naming `flag` (a flag
    /// that ends in `=`, as `--rate refund=`, is followed by the value without a space).
    static func parse(_ text: String, flag: String) throws -> Double {
        let hasSign = text.hasSuffix("%")
        let number = hasSign ? String(text.dropLast()) : text
        guard let value = Double(number), value.isFinite else {
            throw ValidationError("give a percent, a number from 0 to 100 (90 for 90%)")
        }
        guard (0...100).contains(value) else { throw ValidationError("a percent is from 0 to 100") }
        if !hasSign && value > 0 && value < 1 {
            let suggested = (value * 100).formatted()
            throw ValidationError(
                "\(text) looks like a fraction, and this is in percent: did you mean \(flag)\(flag.hasSuffix("=") ? "" : " ")\(suggested)? (under 1%, write \(text)%)"
            )
        }
        return value / 100
    }
}

extension Percent {
    /// A fraction as the percent a user types: 0.01 as "1%", 0.005 as "0.5%".
    static func text(_ fraction: Double) -> String { (fraction * 100).formatted() + "%" }
}

extension Double {
    /// The shortest decimal text of a percent such as 90 or 12.5.
    fileprivate func formatted() -> String {
        let rounded = (self * 1e9).rounded() / 1e9
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
