public import CreditCore
import CreditLinearAlgebra

/// Scores records in batches.
///
/// Each appended record is encoded into one column of a design buffer (intercept, numeric values,
/// one-hot levels); ``linearPredictors()`` takes each record's dot product with the coefficients
/// in one fixed order (intercept, then the design rows in feature order), four records at a time
/// with an accumulator each. Deterministic and bit-identical to
/// ``LogisticModel/linearPredictor(_:)``: a record's η does not depend on the batch it is in, its
/// position there, the block size or the shard, since adding the zero terms of the one-hot
/// levels leaves a sum unchanged.
public struct BatchScorer: Sendable {
    /// The model being scored.
    public let model: LogisticModel
    /// Records one batch can hold.
    public let capacity: Int
    /// Records appended since the last ``linearPredictors()``.
    public var count: Int { rowCount }

    // `setNumber` and `setLevel` run once per feature of every row, from another module: they
    // are inlinable (a measured hot path), so what they touch is `@usableFromInline`.
    @usableFromInline var rowCount = 0
    @usableFromInline let featureCount: Int
    private let coefficients: [Double]
    /// Design row of each feature's first column.
    @usableFromInline let firstColumn: [Int]
    /// Whether rows are encoded into `design` (false: only their levels are recorded).
    @usableFromInline let encodesDesign: Bool
    private var design: Matrix
    /// The level (or bin) set for each feature of each row of the batch, row-major; -1 for none.
    @usableFromInline var levels: [Int]

    /// A scorer for `model` holding up to `capacity` records per batch.
    public init(model: LogisticModel, capacity: Int = 4096) {
        self.init(model: model, capacity: capacity, encodesDesign: true)
    }

    /// A scorer that records only each row's levels (bins), with no design matrix and no BLAS:
    /// for scorecards, whose totals come from their ``PointsTable`` (``PointsTable/score(row:of:reasonLimit:reasons:)``);
    /// empty the batch with ``removeAll()`` once its rows are read.
    public init(levelsOf model: LogisticModel, capacity: Int = 4096) {
        self.init(model: model, capacity: capacity, encodesDesign: false)
    }

    private init(model: LogisticModel, capacity: Int, encodesDesign: Bool) {
        precondition(capacity > 0, "capacity must be positive")
        var coefficients = [model.intercept]
        var firstColumn: [Int] = []
        for feature in model.features {
            firstColumn.append(coefficients.count)
            switch feature.encoding {
            case .numeric(let coefficient, _): coefficients.append(coefficient)
            case .categorical(_, let levels, _, _): coefficients.append(contentsOf: levels.map(\.coefficient))
            case .binned(_, let contributions, _): coefficients.append(contentsOf: contributions)
            }
        }
        self.model = model
        self.capacity = capacity
        self.coefficients = coefficients
        self.firstColumn = firstColumn
        self.encodesDesign = encodesDesign
        self.featureCount = model.features.count
        self.design = Matrix(rows: coefficients.count, columns: encodesDesign ? capacity : 0)
        self.levels = Array(repeating: -1, count: capacity * model.features.count)
    }

    /// Calls `body` with the levels (bins) of every feature of row `row` of the batch, in
    /// feature order (-1 for a numeric feature), without copying them.
    func withLevels<R>(ofRow row: Int, _ body: (UnsafeBufferPointer<Int>) -> R) -> R {
        levels.withUnsafeBufferPointer { levels in
            body(UnsafeBufferPointer(rebasing: levels[row * featureCount..<(row + 1) * featureCount]))
        }
    }

    /// Limits BLAS to `count` threads, for the whole process. Jobs that score blocks in parallel
    /// call it with 1: each batch is small, and idle OpenBLAS threads spin against the job's own.
    public static func limitLinearAlgebraThreads(to count: Int) {
        BLAS.setThreadCount(count)
    }

    /// `true` when the batch is full and must be scored before appending more.
    public var isFull: Bool { count == capacity }

    // MARK: - Row-by-row encoding (for adapters that resolve values themselves)

    /// Starts encoding a record in the next free slot: every feature at 0, the intercept at 1.
    /// Follow with ``setNumber(_:feature:)`` and ``setLevel(_:feature:)`` for every feature,
    /// then ``finishRow()``; a row abandoned before `finishRow()` is overwritten by the next one.
    /// Values set this way must already follow the model's policies (imputed, level positions).
    public mutating func startRow() {
        precondition(!isFull, "batch is full: call linearPredictors() first")
        guard encodesDesign else { return }
        design.fill(column: rowCount, with: 0)
        design[0, rowCount] = 1
    }

    /// Sets numeric feature `feature` (index in ``LogisticModel/features``) of the row being encoded.
    @inlinable
    public mutating func setNumber(_ value: Double, feature: Int) {
        if encodesDesign { setDesign(value, row: firstColumn[feature]) }
    }

    /// Sets categorical feature `feature` of the row being encoded to the level at `position` in
    /// its `levels`.
    @inlinable
    public mutating func setLevel(_ position: Int, feature: Int) {
        if encodesDesign { setDesign(1, row: firstColumn[feature] + position) }
        levels[rowCount * featureCount + feature] = position
    }

    /// Sets design row `row` of the row being encoded.
    @usableFromInline
    mutating func setDesign(_ value: Double, row: Int) {
        design[row, rowCount] = value
    }

    /// Adds the row being encoded to the batch.
    public mutating func finishRow() {
        rowCount += 1
    }

    /// Encodes one record (values in model feature order) into the batch.
    ///
    /// - Throws: ``ScoringFailure`` when a value cannot be scored; the batch is unchanged.
    public mutating func append(_ values: [FeatureValue]) throws(ScoringFailure) {
        precondition(!isFull, "batch is full: call linearPredictors() first")
        precondition(values.count == model.features.count, "one value per model feature is required")
        startRow()
        for index in model.features.indices {
            switch try model.resolve(feature: index, values[index]) {
            case .number(let number): setNumber(number, feature: index)
            case .level(let position): setLevel(position, feature: index)
            }
        }
        finishRow()
    }

    /// The linear predictors of the appended records, in append order; empties the batch.
    ///
    /// Each is `((0 + x₀β₀) + x₁β₁) + …` over the design rows in order (`x₀ = 1`), with no fused
    /// or reordered operations; the reference is the plain loop `for j { eta += x[j] * β[j] }`.
    public mutating func linearPredictors() -> [Double] {
        precondition(encodesDesign, "a levels-only scorer has no design to multiply")
        let records = count
        let terms = coefficients.count
        let stride = design.leadingDimension
        var eta = Array(repeating: 0.0, count: records)
        design.storage.withUnsafeBufferPointer { x in
            coefficients.withUnsafeBufferPointer { beta in
                eta.withUnsafeMutableBufferPointer { out in
                    var record = 0
                    // Four independent sums side by side: the order within each is unchanged.
                    while record + 4 <= records {
                        let (b0, b1, b2, b3) = (record * stride, (record + 1) * stride, (record + 2) * stride, (record + 3) * stride)
                        var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
                        for j in 0..<terms {
                            let coefficient = beta[j]
                            s0 += x[b0 + j] * coefficient
                            s1 += x[b1 + j] * coefficient
                            s2 += x[b2 + j] * coefficient
                            s3 += x[b3 + j] * coefficient
                        }
                        (out[record], out[record + 1], out[record + 2], out[record + 3]) = (s0, s1, s2, s3)
                        record += 4
                    }
                    while record < records {
                        let base = record * stride
                        var sum = 0.0
                        for j in 0..<terms { sum += x[base + j] * beta[j] }
                        out[record] = sum
                        record += 1
                    }
                }
            }
        }
        rowCount = 0
        return eta
    }

    /// Empties the batch without scoring it (after reading its levels).
    public mutating func removeAll() {
        rowCount = 0
    }
}
