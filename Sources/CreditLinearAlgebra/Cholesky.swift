import CLAPACK

/// The Cholesky factorization `A = Uᵀ U` of a symmetric positive-definite matrix (LAPACK `dpotrf`).
///
/// Factoring also estimates the reciprocal condition number in the 1-norm (`dpocon`), so callers
/// can tell a well-posed system from a numerically singular one before trusting a solution.
package struct Cholesky: Sendable {
    /// The upper-triangular factor `U` (the strict lower triangle is unspecified).
    private let factor: Matrix
    /// Reciprocal 1-norm condition number estimate, in `[0, 1]`; tiny values mean near-singular.
    package let reciprocalCondition: Double

    /// Factors the symmetric matrix whose upper triangle is given in `matrix`.
    ///
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(minor:)`` when the matrix is singular or
    ///   indefinite.
    package init(factoring matrix: Matrix) throws(LinearAlgebraError) {
        precondition(matrix.rows == matrix.columns, "Cholesky needs a square matrix")
        var factor = matrix
        let n = blasInt(matrix.rows)
        let lda = blasInt(matrix.leadingDimension)
        guard n > 0 else {
            self.factor = factor
            self.reciprocalCondition = 1
            return
        }
        let oneNorm = matrix.storage.withUnsafeBufferPointer { buffer in
            LAPACKE_dlansy(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "1")), CChar(UInt8(ascii: "U")), n, buffer.baseAddress, lda)
        }
        let info = factor.storage.withUnsafeMutableBufferPointer { buffer in
            LAPACKE_dpotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "U")), n, buffer.baseAddress, lda)
        }
        try LinearAlgebraError.check(info: info)
        var rcond = 0.0
        let conditionInfo = factor.storage.withUnsafeBufferPointer { buffer in
            LAPACKE_dpocon(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "U")), n, buffer.baseAddress, lda, oneNorm, &rcond)
        }
        try LinearAlgebraError.check(info: conditionInfo)
        self.factor = factor
        self.reciprocalCondition = rcond
    }

    /// Solves `A x = b` using the factorization (`dpotrs`).
    package func solve(_ b: [Double]) -> [Double] {
        precondition(b.count == factor.rows, "solve: right-hand side has \(b.count) elements, expected \(factor.rows)")
        guard factor.rows > 0 else { return b }
        var x = b
        let info = factor.storage.withUnsafeBufferPointer { aBuffer in
            x.withUnsafeMutableBufferPointer { xBuffer in
                LAPACKE_dpotrs(
                    LAPACK_COL_MAJOR, CChar(UInt8(ascii: "U")), blasInt(factor.rows), 1,
                    aBuffer.baseAddress, blasInt(factor.leadingDimension), xBuffer.baseAddress, blasInt(factor.rows)
                )
            }
        }
        // dpotrs can only fail on bad arguments, which the preconditions above exclude.
        precondition(info == 0, "dpotrs rejected argument \(-info)")
        return x
    }

    /// The inverse `A⁻¹`, both triangles filled (`dpotri`).
    package func inverse() throws(LinearAlgebraError) -> Matrix {
        var inverse = factor
        guard factor.rows > 0 else { return inverse }
        let info = inverse.storage.withUnsafeMutableBufferPointer { buffer in
            LAPACKE_dpotri(
                LAPACK_COL_MAJOR, CChar(UInt8(ascii: "U")), blasInt(factor.rows),
                buffer.baseAddress, blasInt(factor.leadingDimension)
            )
        }
        try LinearAlgebraError.check(info: info)
        inverse.symmetrizeFromUpper()
        return inverse
    }
}
