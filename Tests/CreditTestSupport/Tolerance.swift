/// `true` when `actual` is within `absolute + relative · |expected|` of `expected` (both finite).
///
/// The one closeness rule of the test suites; every use states its tolerance and why.
public func isClose(_ actual: Double, _ expected: Double, relative: Double, absolute: Double = 0) -> Bool {
    guard actual.isFinite, expected.isFinite else { return false }
    return abs(actual - expected) <= absolute + relative * abs(expected)
}

/// Index and values of the first pair of elements that are not close, or `nil` when all are.
public func firstMismatch(
    _ actual: [Double], _ expected: [Double], relative: Double, absolute: Double = 0
) -> (index: Int, actual: Double, expected: Double)? {
    guard actual.count == expected.count else { return (-1, Double(actual.count), Double(expected.count)) }
    for index in actual.indices where !isClose(actual[index], expected[index], relative: relative, absolute: absolute) {
        return (index, actual[index], expected[index])
    }
    return nil
}
