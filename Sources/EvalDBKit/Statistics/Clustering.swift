/// The design effect of clustered examples: how much the variance of a mean grows because
/// examples in one cluster (one conversation, one topic) are not independent. With `values[i]`
/// the outcome of example i and `clusters[i]` its cluster, the cluster-robust (sandwich) variance
/// of the mean, with the small-sample factor G/(G−1) for G clusters, divided by the variance the
/// examples would have if independent (L. Kish, "Survey Sampling", 1965; for evals, E. Miller,
/// "Adding error bars to evals", 2024). Intervals then use n / design effect as the sample size.
/// At least 1; 1 when there are fewer than two clusters or no variance.
public func designEffect(values: [Double], clusters: [String]) -> Double {
    let n = Double(values.count)
    guard n > 1 else { return 1 }
    let mean = values.reduce(0, +) / n
    var sums: [String: Double] = [:]
    for (value, cluster) in zip(values, clusters) { sums[cluster, default: 0] += value - mean }
    let groups = Double(sums.count)
    guard groups > 1 else { return 1 }
    let independent = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n * n)
    guard independent > 0 else { return 1 }
    let clustered = sums.values.reduce(0) { $0 + $1 * $1 } / (n * n) * groups / (groups - 1)
    return max(1, clustered / independent)
}
