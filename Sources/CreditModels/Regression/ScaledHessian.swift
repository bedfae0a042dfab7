import CreditLinearAlgebra

/// The Cholesky factorization of a Hessian after Jacobi (diagonal) scaling, `S = D H D` with
/// `D = diag(1/√Hⱼⱼ)`.
///
/// Scaling makes every diagonal element 1, so the condition test no longer depends on the
/// units of a feature: a loan amount in rupiah (~10⁷) next to a 0/1 flag gives the same verdict
/// as the same amount in millions. Solves and inverses are mapped back (`H⁻¹ = D S⁻¹ D`), so
/// coefficients and standard errors stay in the original units. Deterministic: no threading
/// beyond what LAPACK does for the factorization.
struct ScaledHessian {
    /// `1/√Hⱼⱼ` per term.
    let scale: [Double]
    let factor: Cholesky

    /// Why a Hessian could not be factored.
    enum Failure: Error {
        /// A diagonal element is zero, negative or not finite (index of the term).
        case degenerateDiagonal(term: Int)
        /// The scaled matrix is not positive definite.
        case notPositiveDefinite
    }

    /// The Jacobi-scaled matrix `D H D` with a unit diagonal.
    static func scaled(_ hessian: Matrix) throws(Failure) -> (matrix: Matrix, scale: [Double]) {
        let p = hessian.rows
        var scale = [Double](repeating: 0, count: p)
        for j in 0..<p {
            let diagonal = hessian[j, j]
            guard diagonal.isFinite, diagonal > 0 else { throw .degenerateDiagonal(term: j) }
            scale[j] = 1 / diagonal.squareRoot()
        }
        var matrix = Matrix(rows: p, columns: p)
        for column in 0..<p {
            for row in 0...column {
                matrix[row, column] = hessian[row, column] * scale[row] * scale[column]
            }
        }
        matrix.symmetrizeFromUpper()
        return (matrix, scale)
    }

    /// Factors `hessian` (both triangles filled) after scaling.
    init(_ hessian: Matrix) throws(Failure) {
        let (matrix, scale) = try Self.scaled(hessian)
        guard let factor = try? Cholesky(factoring: matrix) else { throw .notPositiveDefinite }
        self.scale = scale
        self.factor = factor
    }

    /// Reciprocal 1-norm condition number of the scaled matrix: independent of feature units.
    var reciprocalCondition: Double { factor.reciprocalCondition }

    /// `H⁻¹ b`, computed as `D S⁻¹ D b`.
    func solve(_ b: [Double]) -> [Double] {
        let scaledRight = zip(b, scale).map { $0 * $1 }
        return zip(factor.solve(scaledRight), scale).map { $0 * $1 }
    }

    /// `H⁻¹` in the original units, or `nil` when the inverse cannot be formed.
    func inverse() -> Matrix? {
        guard var inverse = try? factor.inverse() else { return nil }
        let p = scale.count
        for column in 0..<p {
            for row in 0..<p { inverse[row, column] *= scale[row] * scale[column] }
        }
        return inverse
    }

    /// The terms of the first linear dependency among the Hessian's columns, in term order:
    /// the first term `j` whose scaled column is (numerically) a combination of the terms before
    /// it, and the earlier terms that combination uses. Empty when no dependency is found.
    ///
    /// Terms are added one at a time; term `j` is dependent when the leading block with it no
    /// longer factors with a reciprocal condition of at least `minReciprocalCondition`. The
    /// combination comes from solving the independent block against column `j`.
    static func dependentTerms(of hessian: Matrix, minReciprocalCondition: Double) -> [Int] {
        guard let (matrix, _) = try? scaled(hessian) else {
            // A zero diagonal: that term alone carries no information.
            let p = hessian.rows
            return (0..<p).first { !(hessian[$0, $0].isFinite && hessian[$0, $0] > 0) }.map { [$0] } ?? []
        }
        var kept: [Int] = []
        for j in 0..<matrix.rows {
            let candidate = kept + [j]
            if let factor = try? Cholesky(factoring: submatrix(matrix, candidate)),
                factor.reciprocalCondition >= max(minReciprocalCondition, 1e-10)
            {
                kept = candidate
                continue
            }
            guard !kept.isEmpty, let factor = try? Cholesky(factoring: submatrix(matrix, kept)) else { return [j] }
            let combination = factor.solve(kept.map { matrix[$0, j] })
            let largest = combination.map(abs).max() ?? 0
            let used = zip(kept, combination).filter { abs($0.1) > 1e-3 * largest }.map(\.0)
            return used + [j]
        }
        return []
    }

    private static func submatrix(_ matrix: Matrix, _ indices: [Int]) -> Matrix {
        var result = Matrix(rows: indices.count, columns: indices.count)
        for (column, source) in indices.enumerated() {
            for (row, sourceRow) in indices.enumerated() { result[row, column] = matrix[sourceRow, source] }
        }
        return result
    }
}
