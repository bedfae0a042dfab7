import CreditTestSupport
import Testing

@testable import CreditLinearAlgebra

/// Sizes around OpenBLAS blocking boundaries (gonum's testlapack habit).
private let sizes = [1, 2, 3, 63, 64, 65, 127, 129]

/// A deterministic pseudo-random matrix with NaN guard rows below `rows` when `guardRows > 0`.
private func randomMatrix(_ rows: Int, _ columns: Int, seed: Int, guardRows: Int = 0) -> Matrix {
    var matrix = Matrix(rows: rows, columns: columns, leadingDimension: rows + guardRows, repeating: .nan)
    var random = SeededGenerator(seed: UInt64(truncatingIfNeeded: seed))
    for j in 0..<columns {
        for i in 0..<rows {
            matrix[i, j] = Double(Int64(bitPattern: random.next() >> 11) % 2000) / 1000 - 1
        }
    }
    return matrix
}

/// Every guard element (rows beyond `rows` in each column) is still NaN.
private func guardsIntact(_ matrix: Matrix) -> Bool {
    for j in 0..<matrix.columns {
        for i in matrix.rows..<matrix.leadingDimension where !matrix.storage[j * matrix.leadingDimension + i].isNaN {
            return false
        }
    }
    return true
}

@Suite("BLAS wrappers against plain-Swift references")
struct BLASTests {
    @Test("gemv matches the reference sum", arguments: sizes)
    func gemvMatchesReference(n: Int) {
        let a = randomMatrix(n, n + 1, seed: n, guardRows: 2)
        let x = (0...n).map { Double($0 % 7) - 3 }
        let xt = (0..<n).map { Double($0 % 5) - 2 }
        var y = Array(repeating: 0.5, count: n)
        var yt = Array(repeating: 0.5, count: n + 1)
        BLAS.gemv(a, transposed: false, x: x, alpha: 2, beta: 3, y: &y)
        BLAS.gemv(a, transposed: true, x: xt, alpha: 1, beta: 0, y: &yt)
        for i in 0..<n {
            let reference = 2 * (0...n).reduce(0.0) { $0 + a[i, $1] * x[$1] } + 3 * 0.5
            #expect(isClose(y[i], reference, relative: 1e-12, absolute: 1e-12))
        }
        for j in 0...n {
            let reference = (0..<n).reduce(0.0) { $0 + a[$1, j] * xt[$1] }
            #expect(isClose(yt[j], reference, relative: 1e-12, absolute: 1e-12))
        }
        #expect(guardsIntact(a))
    }

    @Test("gemv over leading columns ignores the rest")
    func gemvLeadingColumns() {
        var a = randomMatrix(4, 6, seed: 9)
        for i in 0..<4 { a[i, 5] = .nan }
        var y = Array(repeating: 0.0, count: 5)
        BLAS.gemv(a, leadingColumns: 5, transposed: true, x: [1, 2, 3, 4], y: &y)
        #expect(y.allSatisfy { $0.isFinite })
        #expect(isClose(y[2], a[0, 2] + 2 * a[1, 2] + 3 * a[2, 2] + 4 * a[3, 2], relative: 1e-14, absolute: 1e-14))
    }

    @Test("syrk fills the upper triangle with A Aᵀ and leaves guards alone", arguments: sizes)
    func syrkMatchesReference(n: Int) {
        let a = randomMatrix(n, 7, seed: 100 + n)
        var c = Matrix(rows: n, columns: n, leadingDimension: n + 3, repeating: .nan)
        for j in 0..<n { for i in 0...j { c[i, j] = 1 } }
        BLAS.syrkUpper(a, alpha: 1, beta: 2, into: &c)
        for j in 0..<n {
            for i in 0...j {
                let reference = (0..<7).reduce(0.0) { $0 + a[i, $1] * a[j, $1] } + 2
                #expect(isClose(c[i, j], reference, relative: 1e-12, absolute: 1e-12))
            }
        }
        #expect(guardsIntact(c))
    }

    @Test("weighted Gram equals Σ w a aᵀ whatever the block size", arguments: [1, 3, 64, 1000])
    func weightedGramMatchesReference(blockSize: Int) {
        let a = randomMatrix(5, 257, seed: 7, guardRows: 1)
        let weights = (0..<257).map { Double($0 % 4) * 0.25 }
        var c = Matrix(rows: 5, columns: 5)
        var workspace = GramWorkspace(blockSize: blockSize)
        BLAS.accumulateWeightedGram(of: a, weights: weights, into: &c, workspace: &workspace)
        for j in 0..<5 {
            for i in 0...j {
                let reference = (0..<257).reduce(0.0) { $0 + weights[$1] * a[i, $1] * a[j, $1] }
                #expect(isClose(c[i, j], reference, relative: 1e-12, absolute: 1e-12))
            }
        }
        #expect(guardsIntact(a))
    }
}

@Suite("Cholesky factorization")
struct CholeskyTests {
    /// A well-conditioned SPD matrix `B Bᵀ + n I` with guard rows.
    private func spd(_ n: Int) -> Matrix {
        let b = randomMatrix(n, n, seed: 31 * n)
        var a = Matrix(rows: n, columns: n, leadingDimension: n + 2, repeating: .nan)
        for j in 0..<n {
            for i in 0..<n {
                a[i, j] = (0..<n).reduce(0.0) { $0 + b[i, $1] * b[j, $1] } + (i == j ? Double(n) : 0)
            }
        }
        return a
    }

    @Test("solve gives A x = b", arguments: sizes)
    func solveSatisfiesSystem(n: Int) throws {
        let a = spd(n)
        let b = (0..<n).map { Double($0 % 9) - 4 }
        let factor = try Cholesky(factoring: a)
        let x = factor.solve(b)
        for i in 0..<n {
            let product = (0..<n).reduce(0.0) { $0 + a[i, $1] * x[$1] }
            #expect(isClose(product, b[i], relative: 1e-9, absolute: 1e-9))
        }
        #expect(factor.reciprocalCondition > 1e-6 && factor.reciprocalCondition <= 1)
        #expect(guardsIntact(a))
    }

    @Test("inverse times A is the identity", arguments: [1, 2, 3, 63, 65])
    func inverseIsInverse(n: Int) throws {
        let a = spd(n)
        let inverse = try Cholesky(factoring: a).inverse()
        for i in 0..<n {
            for j in 0..<n {
                let product = (0..<n).reduce(0.0) { $0 + inverse[i, $1] * a[$1, j] }
                #expect(isClose(product, i == j ? 1 : 0, relative: 0, absolute: 1e-10))
            }
        }
        #expect(guardsIntact(inverse))
    }

    @Test("an indefinite matrix reports the failing minor")
    func indefiniteMatrixThrows() {
        var a = Matrix.identity(3)
        a[1, 1] = -1
        #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) { _ = try Cholesky(factoring: a) }
    }

    @Test("a nearly singular matrix has a tiny reciprocal condition number")
    func nearSingularConditionIsTiny() throws {
        let a = Matrix(rows: 2, columns: 2, columnMajor: [1, 1, 1, 1 + 1e-14])
        let factor = try Cholesky(factoring: a)
        #expect(factor.reciprocalCondition < 1e-13)
    }
}
