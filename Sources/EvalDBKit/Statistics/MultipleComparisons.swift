import Foundation

/// Adjusted p-values for a family of tests, so that naming every test whose adjusted p-value is
/// at most Q controls an error rate of the whole family at Q, however many tests there are.
///
/// - Benjamini–Hochberg (Y. Benjamini and Y. Hochberg, "Controlling the false discovery rate: a
///   practical and powerful approach to multiple testing", JRSS B 57, 1995): the expected share of
///   false findings among the tests named is at most Q (independent or positively dependent tests).
///   With the p-values sorted, p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted value of p₍ᵢ₎ is
///   min over j ≥ i of m·p₍ⱼ₎/j, at most 1.
/// - Holm (S. Holm, "A simple sequentially rejective multiple test procedure", Scandinavian Journal
///   of Statistics 6, 1979): the chance of naming any true null at all (the family-wise error rate)
///   is at most Q, under any dependence. The adjusted value of p₍ᵢ₎ is max over j ≤ i of
///   (m − j + 1)·p₍ⱼ₎, at most 1.
/// - Bonferroni: m·p, at most 1 — family-wise too, and never more powerful than Holm.
///
/// These are the values of statsmodels' `multipletests(method="fdr_bh" | "holm" | "bonferroni")`
/// and R's `p.adjust`. O(m log m).
public enum MultipleComparisons {
    public enum Method: String, Sendable, CaseIterable {
        case benjaminiHochberg
        case holm
        case bonferroni

        /// What naming the tests at adjusted p ≤ Q controls.
        public var controls: ErrorRate {
            switch self {
            case .benjaminiHochberg: .falseDiscoveryRate
            case .holm, .bonferroni: .familyWiseErrorRate
            }
        }
    }

    public enum ErrorRate: Sendable {
        /// The expected share of false findings among those named.
        case falseDiscoveryRate
        /// The probability of naming any true null at all.
        case familyWiseErrorRate
    }

    /// The adjusted p-values, in the order of `pValues`. Each p-value must be in [0, 1]; an empty
    /// family gives an empty list.
    public static func adjusted(_ pValues: [Double], method: Method) -> [Double] {
        let m = pValues.count
        guard m > 0 else { return [] }
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] || (pValues[$0] == pValues[$1] && $0 < $1) }
        var adjusted = [Double](repeating: 1, count: m)
        switch method {
        case .benjaminiHochberg:
            var smallest = 1.0
            for rank in stride(from: m - 1, through: 0, by: -1) {
                let index = order[rank]
                smallest = min(smallest, pValues[index] * Double(m) / Double(rank + 1))
                adjusted[index] = smallest
            }
        case .holm:
            var largest = 0.0
            for rank in 0..<m {
                let index = order[rank]
                largest = max(largest, pValues[index] * Double(m - rank))
                adjusted[index] = min(1, largest)
            }
        case .bonferroni:
            for index in 0..<m { adjusted[index] = min(1, pValues[index] * Double(m)) }
        }
        return adjusted
    }

    /// The positions of the tests named at level `q`: those whose adjusted p-value is at most `q`.
    public static func rejected(_ pValues: [Double], method: Method, level q: Double) -> [Int] {
        let values = adjusted(pValues, method: method)
        return values.indices.filter { values[$0] <= q }
    }
}
