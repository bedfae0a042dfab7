import CLAPACK

/// Thin, bounds-checked wrappers over the CBLAS level-2 and level-3 routines CreditEngine uses.
///
/// Every wrapper checks its dimensions with `precondition` (a mismatch is a programming error) and
/// then hands the storage to OpenBLAS. Results are those of OpenBLAS: fast, multi-threaded for
/// large inputs, and accurate to rounding, but not bit-reproducible across block sizes or thread
/// counts. Use them for fitting and batch scoring, not where a value must be bit-identical.
package enum BLAS {
    /// Sets the number of OpenBLAS threads for the whole process (`openblas_set_num_threads`).
    package static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "at least one thread")
        openblas_set_num_threads(blasInt(count))
    }

    /// `y = alpha * op(A) * x + beta * y`, where `op(A)` is `A` or `Aᵀ` (`dgemv`).
    ///
    /// `leadingColumns` restricts `A` to its first columns (default: all), so a partly filled
    /// batch buffer needs no copy.
    /// Reference: `y[i] = alpha * Σ_j op(A)[i, j] * x[j] + beta * y[i]`.
    package static func gemv(
        _ a: Matrix,
        leadingColumns: Int? = nil,
        transposed: Bool,
        x: [Double],
        alpha: Double = 1,
        beta: Double = 0,
        y: inout [Double]
    ) {
        let columns = leadingColumns ?? a.columns
        precondition(columns >= 0 && columns <= a.columns, "gemv: leadingColumns out of range")
        let (inputLength, outputLength) = transposed ? (a.rows, columns) : (columns, a.rows)
        precondition(x.count == inputLength, "gemv: x has \(x.count) elements, expected \(inputLength)")
        precondition(y.count == outputLength, "gemv: y has \(y.count) elements, expected \(outputLength)")
        guard outputLength > 0 else { return }
        guard inputLength > 0 else {
            for i in y.indices { y[i] *= beta }
            return
        }
        a.storage.withUnsafeBufferPointer { aBuffer in
            x.withUnsafeBufferPointer { xBuffer in
                y.withUnsafeMutableBufferPointer { yBuffer in
                    cblas_dgemv(
                        CblasColMajor, transposed ? CblasTrans : CblasNoTrans,
                        blasInt(a.rows), blasInt(columns), alpha,
                        aBuffer.baseAddress, blasInt(a.leadingDimension),
                        xBuffer.baseAddress, 1, beta, yBuffer.baseAddress, 1
                    )
                }
            }
        }
    }

    /// Symmetric rank-k update of the upper triangle: `C = alpha * A * Aᵀ + beta * C` (`dsyrk`).
    ///
    /// Only the upper triangle of `c` is referenced and updated.
    /// Reference: `C[i, j] = alpha * Σ_k A[i, k] * A[j, k] + beta * C[i, j]` for `i <= j`.
    package static func syrkUpper(_ a: Matrix, alpha: Double = 1, beta: Double = 0, into c: inout Matrix) {
        precondition(c.rows == c.columns, "syrk: C must be square")
        precondition(c.rows == a.rows, "syrk: C has \(c.rows) rows, A has \(a.rows)")
        guard c.rows > 0 else { return }
        guard a.columns > 0 else {
            for j in 0..<c.columns { for i in 0...j { c[i, j] *= beta } }
            return
        }
        a.storage.withUnsafeBufferPointer { aBuffer in
            c.storage.withUnsafeMutableBufferPointer { cBuffer in
                cblas_dsyrk(
                    CblasColMajor, CblasUpper, CblasNoTrans,
                    blasInt(c.rows), blasInt(a.columns), alpha,
                    aBuffer.baseAddress, blasInt(a.leadingDimension),
                    beta, cBuffer.baseAddress, blasInt(c.leadingDimension)
                )
            }
        }
    }

    /// Adds `Σ_k weights[k] * a_k a_kᵀ` to the upper triangle of `c`, where `a_k` is column `k` of `a`.
    ///
    /// This is the Hessian kernel of logistic regression when `a` holds one observation per
    /// column (`Xᵀ`). It scales blocks of `blockSize` columns by `√weights[k]` into `workspace`
    /// and calls `dsyrk` on each block, so the extra memory is `a.rows * blockSize` doubles
    /// whatever the number of observations. Weights must be non-negative.
    /// Reference: `C[i, j] += Σ_k weights[k] * A[i, k] * A[j, k]` for `i <= j`.
    package static func accumulateWeightedGram(
        of a: Matrix,
        weights: [Double],
        into c: inout Matrix,
        workspace: inout GramWorkspace
    ) {
        precondition(weights.count == a.columns, "weighted Gram: \(weights.count) weights for \(a.columns) columns")
        precondition(c.rows == a.rows && c.columns == a.rows, "weighted Gram: C must be \(a.rows) x \(a.rows)")
        let p = a.rows
        guard p > 0 else { return }
        let blockSize = workspace.blockSize
        workspace.reserve(rows: p)
        var start = 0
        while start < a.columns {
            let count = min(blockSize, a.columns - start)
            a.storage.withUnsafeBufferPointer { aBuffer in
                weights.withUnsafeBufferPointer { wBuffer in
                    workspace.buffer.withUnsafeMutableBufferPointer { scaled in
                        for k in 0..<count {
                            let root = wBuffer[start + k].squareRoot()
                            let source = (start + k) * a.leadingDimension
                            let target = k * p
                            for i in 0..<p { scaled[target + i] = aBuffer[source + i] * root }
                        }
                    }
                }
            }
            workspace.buffer.withUnsafeBufferPointer { scaled in
                c.storage.withUnsafeMutableBufferPointer { cBuffer in
                    cblas_dsyrk(
                        CblasColMajor, CblasUpper, CblasNoTrans,
                        blasInt(p), blasInt(count), 1.0,
                        scaled.baseAddress, blasInt(p),
                        1.0, cBuffer.baseAddress, blasInt(c.leadingDimension)
                    )
                }
            }
            start += count
        }
    }
}

/// Reusable scratch space for ``BLAS/accumulateWeightedGram(of:weights:into:workspace:)``, owned by
/// the caller so an iterative fit allocates it once.
package struct GramWorkspace: Sendable {
    /// Columns scaled per `dsyrk` call.
    package let blockSize: Int
    fileprivate var buffer: [Double] = []

    /// A workspace that processes `blockSize` columns at a time (default 8192).
    package init(blockSize: Int = 8192) {
        precondition(blockSize > 0, "block size must be positive")
        self.blockSize = blockSize
    }

    fileprivate mutating func reserve(rows: Int) {
        let needed = rows * blockSize
        if buffer.count < needed { buffer = Array(repeating: 0, count: needed) }
    }
}

/// Converts a dimension to the integer type of the CBLAS/LAPACKE interface, trapping on overflow.
@inline(__always)
func blasInt(_ value: Int) -> Int32 {
    precondition(value <= Int(Int32.max), "dimension \(value) exceeds the 32-bit BLAS interface")
    return Int32(value)
}
