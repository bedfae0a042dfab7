/// A failure reported by LAPACK, mapped from its `info` code.
public enum LinearAlgebraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The leading minor of this order (1-based) is not positive definite, so the Cholesky
    /// factorization could not be completed: the matrix is singular or indefinite.
    case notPositiveDefinite(minor: Int)
    /// LAPACK rejected argument number `index` (1-based); a programming error in this module.
    case invalidArgument(index: Int)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let minor):
            return "matrix is not positive definite (leading minor of order \(minor))"
        case .invalidArgument(let index):
            return "LAPACK rejected argument \(index)"
        }
    }

    /// Maps a LAPACK `info` result: 0 is success, negative is a bad argument, positive is the
    /// failing minor of a Cholesky factorization.
    static func check(info: Int32) throws(LinearAlgebraError) {
        if info < 0 { throw .invalidArgument(index: Int(-info)) }
        if info > 0 { throw .notPositiveDefinite(minor: Int(info)) }
    }
}
