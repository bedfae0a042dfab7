import CreditCore
import CreditLinearAlgebra

/// The design matrix of a fit, stored transposed (one observation per column) so that
/// observations are contiguous, plus the description of every design column.
struct Design {
    /// One design column: the intercept, a numeric feature, or one level of a categorical one.
    struct Term {
        var name: String
        var featureIndex: Int?
        var level: String?
    }

    /// `columns × rows`: `transposed[j, i]` is design column `j` of observation `i`.
    let transposed: Matrix
    let terms: [Term]
    let features: [TrainingData.Feature]
    /// Per categorical feature, its levels in byte order (reference first); empty for numeric ones.
    let levels: [[String]]

    var observationCount: Int { transposed.columns }
    var termCount: Int { transposed.rows }

    init(_ data: TrainingData, maxBytes: Int) throws(FitError) {
        let n = data.count
        guard n > 0, !data.features.isEmpty else { throw .emptyData }
        var names = Set<String>()
        var terms = [Term(name: "(intercept)")]
        var levels: [[String]] = []
        for (featureIndex, feature) in data.features.enumerated() {
            guard names.insert(feature.name).inserted else { throw .duplicateFeature(feature.name) }
            guard feature.values.count == n else {
                throw .lengthMismatch(column: feature.name, expected: n, found: feature.values.count)
            }
            switch feature.values {
            case .numeric(let values):
                if let index = values.firstIndex(where: { !$0.isFinite }) {
                    throw .nonFiniteValue(feature: feature.name, index: index)
                }
                guard values.contains(where: { $0 != values[0] }) else { throw .constantFeature(feature.name) }
                terms.append(Term(name: feature.name, featureIndex: featureIndex))
                levels.append([])
            case .categorical(let labels):
                let sorted = Set(labels).sorted { $0.precedesInByteOrder($1) }
                guard sorted.count > 1 else { throw .constantFeature(feature.name) }
                for level in sorted.dropFirst() {
                    terms.append(Term(name: "\(feature.name)=\(level)", featureIndex: featureIndex, level: level))
                }
                levels.append(sorted)
            }
        }
        if let weights = data.weights {
            guard weights.count == n else { throw .lengthMismatch(column: "(weights)", expected: n, found: weights.count) }
            if let index = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) { throw .invalidWeight(index: index) }
        }
        var eventWeight = 0.0
        var nonEventWeight = 0.0
        for i in 0..<n {
            let weight = data.weights?[i] ?? 1
            if data.events[i] { eventWeight += weight } else { nonEventWeight += weight }
        }
        guard eventWeight > 0, nonEventWeight > 0 else { throw .singleClass(allEvents: eventWeight > 0) }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: terms.count * MemoryLayout<Double>.size)
        guard !overflow, bytes <= maxBytes else { throw .designTooLarge(bytes: overflow ? .max : bytes, limit: maxBytes) }

        let p = terms.count
        // Observation i occupies storage[i*p ..< (i+1)*p]: intercept, numeric values, one-hot levels.
        var storage = [Double](repeating: 0, count: n * p)
        var column = 1
        for i in 0..<n { storage[i * p] = 1 }
        for (featureIndex, feature) in data.features.enumerated() {
            switch feature.values {
            case .numeric(let values):
                for i in 0..<n { storage[i * p + column] = values[i] }
                column += 1
            case .categorical(let labels):
                let featureLevels = levels[featureIndex]
                var offset: [String: Int] = [:]
                for (position, level) in featureLevels.enumerated() where position > 0 {
                    offset[level] = column + position - 1
                }
                for i in 0..<n {
                    if let row = offset[labels[i]] { storage[i * p + row] = 1 }
                }
                column += featureLevels.count - 1
            }
        }
        self.transposed = Matrix(rows: p, columns: n, columnMajor: storage)
        self.terms = terms
        self.features = data.features
        self.levels = levels
    }
}
