import CreditCSV
import CreditCore

/// The header row of a CSV input: column names and their positions.
struct HeaderIndex {
    let names: [String]
    private let positions: [String: Int]
    let source: String

    /// Reads the header record.
    /// - Throws: ``CSVError/emptyInput(source:)`` or ``CSVError/duplicateColumn(_:)``.
    init(reading reader: CSVReader) throws(CSVError) {
        guard try reader.readRecord() else { throw .emptyInput(source: reader.sourceName) }
        var names: [String] = []
        var positions: [String: Int] = [:]
        for index in 0..<reader.fieldCount {
            let name = reader.string(at: index)
            guard positions.updateValue(index, forKey: name) == nil else {
                throw .duplicateColumn(InputLocation(source: reader.sourceName, line: reader.line, field: name))
            }
            names.append(name)
        }
        self.names = names
        self.positions = positions
        self.source = reader.sourceName
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
