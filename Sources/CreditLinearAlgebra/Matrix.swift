/// A dense matrix of `Double` in column-major order, the storage LAPACK and BLAS expect.
///
/// Element `(row, column)` lives at `storage[column * leadingDimension + row]`. The leading
/// dimension may exceed `rows`; the padding rows are never read or written by any operation in
/// this module, which the tests check with NaN-filled guard rows.
package struct Matrix: Sendable, Equatable {
    /// Number of rows.
    package let rows: Int
    /// Number of columns.
    package let columns: Int
    /// Distance, in elements, between the starts of two adjacent columns (`>= max(1, rows)`).
    package let leadingDimension: Int
    /// Column-major elements, `leadingDimension * columns` of them.
    package var storage: [Double]

    /// A `rows` x `columns` matrix with every element set to `value`.
    package init(rows: Int, columns: Int, leadingDimension: Int? = nil, repeating value: Double = 0) {
        let leading = leadingDimension ?? max(1, rows)
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        precondition(leading >= max(1, rows), "leading dimension must be at least max(1, rows)")
        self.rows = rows
        self.columns = columns
        self.leadingDimension = leading
        self.storage = Array(repeating: value, count: leading * columns)
    }

    /// A matrix over existing column-major storage with `leadingDimension == rows`.
    package init(rows: Int, columns: Int, columnMajor storage: [Double]) {
        precondition(storage.count == rows * columns, "storage must hold rows * columns elements")
        self.rows = rows
        self.columns = columns
        self.leadingDimension = max(1, rows)
        self.storage = storage
    }

    /// The identity matrix of size `n`.
    package static func identity(_ n: Int) -> Matrix {
        var matrix = Matrix(rows: n, columns: n)
        for i in 0..<n { matrix[i, i] = 1 }
        return matrix
    }

    /// Element at (`row`, `column`); traps when out of bounds.
    package subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            return storage[column * leadingDimension + row]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            storage[column * leadingDimension + row] = newValue
        }
    }

    /// Sets every element of `column` to `value`.
    package mutating func fill(column: Int, with value: Double) {
        precondition(column >= 0 && column < columns, "column out of range")
        let start = column * leadingDimension
        storage.withUnsafeMutableBufferPointer { buffer in
            UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + rows)]).update(repeating: value)
        }
    }

    /// Copies the upper triangle into the lower one (LAPACK's symmetric routines fill one half).
    package mutating func symmetrizeFromUpper() {
        precondition(rows == columns, "only a square matrix can be symmetrized")
        for column in 0..<columns {
            for row in (column + 1)..<max(column + 1, rows) {
                self[row, column] = self[column, row]
            }
        }
    }
}
