import CreditCSV
import CreditCore

/// The header row of a CSV input: column names and their positions.
struct HeaderIndex {
    let names: [String]
    private let positions: [String: Int]
    let source: String

    /// Reads the header record of a sequential reader.
    /// - Throws: ``CSVError/emptyInput(source:)`` or ``CSVError/duplicateColumn(_:)``.
    init(reading reader: CSVReader) throws(CSVError) {
        guard try reader.readRecord() else { throw .emptyInput(source: reader.sourceName) }
        try self.init(names: (0..<reader.record.fieldCount).map { reader.record.string(at: $0) }, line: reader.record.line, source: reader.sourceName)
    }

    /// A header with these column names, found on `line` of `source`.
    /// - Throws: ``CSVError/duplicateColumn(_:)``.
    init(names: [String], line: Int, source: String) throws(CSVError) {
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            guard positions.updateValue(index, forKey: name) == nil else {
                throw .duplicateColumn(InputLocation(source: source, line: line, field: name))
            }
        }
        self.names = names
        self.positions = positions
        self.source = source
    }

    /// The position of column `name`, if present.
    func position(of name: String) -> Int? { positions[name] }

    /// The position of column `name`.
    /// - Throws: ``CSVError/missingColumn(_:)`` naming the header line.
    func require(_ name: String) throws(CSVError) -> Int {
        guard let position = positions[name] else {
            throw .missingColumn(InputLocation(source: source, line: 1, field: name))
        }
        return position
    }
}
