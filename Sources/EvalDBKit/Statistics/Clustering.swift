/// The design effect of clustered examples: how much the variance of a mean grows because
/// examples in one cluster (one conversation, one topic) are not independent. With `values[i]`
/// the outcome of example i and `clusters[i]` its cluster, the cluster-robust (sandwich) variance
/// of the mean, with the small-sample factor G/(G−1) for G clusters, divided by the variance the
/// examples would have if independent (L. Kish, "Survey Sampling", 1965; for evals, E. Miller,
/// "Adding error bars to evals", 2024). Intervals then use n / design effect as the sample size.
/// At least 1; 1 when there are fewer than two clusters or no variance.
public func designEffect(values: [Double], clusters: [String]) -> Double {
    var numbers: [String: Int] = [:]
    let numbered = clusters.map { cluster in
        let number = numbers[cluster] ?? numbers.count
        if number == numbers.count { numbers[cluster] = number }
        return number
    }
    return designEffect(count: values.count, total: values.reduce(0, +), clusters: numbers.count) { visit in
        for (value, cluster) in zip(values, numbered) { visit(value, cluster) }
    }
}

/// The design effect of `count` outcomes summing to `total` (added in their order), in `clusters`
/// clusters: `outcomes` calls its argument with each outcome and its cluster's number (below
/// `clusters`), in the same order (`ClusteredOutcomes` reads them back from a file).
func designEffect(
    count: Int, total: Double, clusters: Int, _ outcomes: (_ visit: (_ value: Double, _ cluster: Int) -> Void) throws -> Void
) rethrows -> Double {
    let n = Double(count)
    guard n > 1, clusters > 1 else { return 1 }
    let mean = total / n
    var sums = [Double](repeating: 0, count: clusters)
    var independent = 0.0
    try outcomes { value, cluster in
        sums[cluster] += value - mean
        independent += (value - mean) * (value - mean)
    }
    independent /= n * n
    guard independent > 0 else { return 1 }
    let groups = Double(clusters)
    let clustered = sums.reduce(0) { $0 + $1 * $1 } / (n * n) * groups / (groups - 1)
    return max(1, clustered / independent)
}
