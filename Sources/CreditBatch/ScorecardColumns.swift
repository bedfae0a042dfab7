import CreditCSV
import CreditEngine

/// What scoring with a scorecard writes, prepared once per job and shared by its blocks: the
/// points table, the reason codes as text and as CSV fields, and, since the PD and the score
/// depend on the integer total alone, each possible total's PD and `probability_of_default,score`
/// text. A row then costs a lookup instead of an `exp` and the formatting of two numbers.
struct ScorecardColumns: Sendable {
    let card: Scorecard
    let table: PointsTable
    /// The reason code of each characteristic.
    let codes: [String]
    /// Field `c` is `reasonFields[reasonFieldStart[c] ..< reasonFieldStart[c + 1]]`.
    private let reasonFields: [UInt8]
    private let reasonFieldStart: [Int]
    /// For totals `lowestTotal ..< lowestTotal + probabilities.count` (all of `table.totalRange`
    /// unless it holds more than ``maximumCachedTotals``; none then): the PD, and its text with
    /// the score's, in the same layout as the reasons.
    private let lowestTotal: Int
    private let probabilities: [Double]
    private let scoreFields: [UInt8]
    private let scoreFieldStart: [Int]
    /// The most totals prepared in advance (a scorecard's totals span a few hundred points).
    static let maximumCachedTotals = 1 << 16

    init(_ card: Scorecard) {
        self.card = card
        table = PointsTable(card)
        codes = card.characteristics.map(\.reason.code)
        (reasonFields, reasonFieldStart) = Self.fields(codes.map { code in { (text: inout CSVFormatter) in text.append(field: code) } })
        let range = table.totalRange
        lowestTotal = range.lowerBound
        let totals = range.count <= Self.maximumCachedTotals ? Array(range) : []
        probabilities = totals.map { card.probabilityOfDefault(totalPoints: $0) }
        (scoreFields, scoreFieldStart) = Self.fields(zip(totals, probabilities).map { total, probability in
            { (text: inout CSVFormatter) in
                text.append(number: probability)
                text.append(number: Double(total))
            }
        })
    }

    /// Each `write`'s fields, back to back, with their starts.
    private static func fields(_ writes: [(inout CSVFormatter) -> Void]) -> ([UInt8], [Int]) {
        var text = CSVFormatter()
        var starts = [0]
        for write in writes {
            text.startFields()
            write(&text)
            starts.append(text.count)
        }
        return (text.bytes, starts)
    }

    /// The probability of default at `total` points.
    func probabilityOfDefault(total: Int) -> Double {
        let index = total - lowestTotal
        return index >= 0 && index < probabilities.count ? probabilities[index] : card.probabilityOfDefault(totalPoints: total)
    }

    /// Appends the `probability_of_default` and `score` fields of `total` points.
    func appendScore(total: Int, to output: inout CSVFormatter) {
        let index = total - lowestTotal
        guard index >= 0, index < probabilities.count else {
            output.append(number: card.probabilityOfDefault(totalPoints: total))
            output.append(number: Double(total))
            return
        }
        output.append(formattedFields: scoreFields, range: scoreFieldStart[index]..<scoreFieldStart[index + 1])
    }

    /// Appends the reason code of characteristic `characteristic` as a field.
    func appendReason(_ characteristic: Int, to output: inout CSVFormatter) {
        output.append(formattedFields: reasonFields, range: reasonFieldStart[characteristic]..<reasonFieldStart[characteristic + 1])
    }
}
