public import CreditCore
import RealModule

/// Maps one third-party bureau's score to a probability of default.
///
/// A bureau answer has three states, kept apart: a score (a record), "no record" (the person is
/// unknown to the bureau: a thin file, not a bad one), and no answer at all (the bureau call
/// failed or was not made), which a decision must never treat as good news.
public struct BureauCalibrator: Sendable, Equatable, Codable {
    /// What the bureau reports.
    public enum Kind: String, Sendable, Codable {
        /// A score on a fixed range (Pefindo IdScore 250–900, FICO-style 300–850, VantageScore).
        case score
        /// SLIK OJK collectibility (kolektibilitas 1 current … 5 loss), an integer grade.
        case collectibility
    }

    /// How the score maps to a PD.
    public enum Method: String, Sendable, Codable {
        /// `pd = 1 / (1 + exp(-(intercept + slope * x)))`.
        case logistic
        /// A monotone table of (score, PD) points, linearly interpolated between points and held
        /// constant beyond the ends (as isotonic regression predicts).
        case isotonic
    }

    /// The bureau's id in field names: `bureau.<id>.pd`.
    public var id: String
    /// The calibration's version.
    public var version: String
    public var kind: Kind
    /// The input field carrying the bureau's value: a number, `no_record`, or empty.
    public var input: String
    /// The valid range of the bureau's value, both ends included; anything outside is an error.
    public var minimum: Double
    public var maximum: Double
    public var method: Method
    /// Logistic coefficients.
    public var intercept: Double?
    public var slope: Double?
    /// Isotonic points, sorted by score.
    public var points: [[Double]]?
    /// Where the calibration came from (data, rows, date).
    public var fittedOn: String?

    /// A calibration; check it with ``problem()``.
    public init(
        id: String, version: String, kind: Kind, input: String, minimum: Double, maximum: Double, method: Method,
        intercept: Double? = nil, slope: Double? = nil, points: [[Double]]? = nil, fittedOn: String? = nil
    ) {
        (self.id, self.version, self.kind, self.input, self.minimum, self.maximum) = (id, version, kind, input, minimum, maximum)
        (self.method, self.intercept, self.slope, self.points, self.fittedOn) = (method, intercept, slope, points, fittedOn)
    }

    /// The answer for one applicant.
    public enum Answer: Sendable, Equatable {
        case record(value: Double, probabilityOfDefault: Double)
        case noRecord
        case unavailable
    }

    /// The text that marks "no record" in an input (case-insensitive).
    public static let noRecordMarkers: Set<String> = ["no_record", "no record", "nr"]

    /// Checks the calibration's parameters.
    /// - Returns: the first problem, as `(field, problem)`, or nil.
    public func problem() -> (field: String, problem: String)? {
        guard RuleSchema.isValidName(id), !id.contains(".") else { return ("id", "must be letters, digits and '_'") }
        guard minimum.isFinite, maximum.isFinite, minimum < maximum else { return ("minimum", "the range must be finite with minimum < maximum") }
        switch method {
        case .logistic:
            guard let intercept, let slope, intercept.isFinite, slope.isFinite else {
                return ("intercept", "a logistic calibration needs finite intercept and slope")
            }
        case .isotonic:
            guard let points, points.count >= 2, points.allSatisfy({ $0.count == 2 && $0[0].isFinite && (0...1).contains($0[1]) }) else {
                return ("points", "an isotonic calibration needs at least two [score, pd] points with 0 <= pd <= 1")
            }
            let scores = points.map { $0[0] }
            guard zip(scores, scores.dropFirst()).allSatisfy({ $0 < $1 }) else { return ("points", "scores must increase strictly") }
            let pds = points.map { $0[1] }
            let increasing = zip(pds, pds.dropFirst()).allSatisfy { $0 <= $1 }
            let decreasing = zip(pds, pds.dropFirst()).allSatisfy { $0 >= $1 }
            guard increasing || decreasing else { return ("points", "PD must be monotone in the score") }
        }
        return nil
    }

    /// The bureau's answer for an input value.
    /// - Throws: ``BureauValueError`` for a value outside the range, a fractional
    ///   collectibility, or text other than a no-record marker.
    public func answer(for value: FeatureValue) throws(BureauValueError) -> Answer {
        switch value {
        case .missing: return .unavailable
        case .category(let text):
            guard Self.noRecordMarkers.contains(text.lowercased()) else { throw .notAScore(text) }
            return .noRecord
        case .number(let x):
            guard x.isFinite, x >= minimum, x <= maximum else { throw .outOfRange(x, minimum, maximum) }
            if kind == .collectibility, x != x.rounded() { throw .notAGrade(x) }
            return .record(value: x, probabilityOfDefault: probabilityOfDefault(x))
        }
    }

    /// The calibrated PD of an in-range value.
    public func probabilityOfDefault(_ x: Double) -> Double {
        switch method {
        case .logistic:
            let eta = (intercept ?? 0) + (slope ?? 0) * x
            return eta >= 0 ? 1 / (1 + Double.exp(-eta)) : Double.exp(eta) / (1 + Double.exp(eta))
        case .isotonic:
            let points = points ?? []
            if x <= points[0][0] { return points[0][1] }
            if x >= points[points.count - 1][0] { return points[points.count - 1][1] }
            var low = 0
            var high = points.count - 1
            while high - low > 1 {
                let middle = (low + high) / 2
                if points[middle][0] <= x { low = middle } else { high = middle }
            }
            let (x0, y0, x1, y1) = (points[low][0], points[low][1], points[high][0], points[high][1])
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        }
    }
}

/// A bureau value that cannot be calibrated.
public enum BureauValueError: Error, Sendable, Equatable, CustomStringConvertible {
    case outOfRange(Double, Double, Double)
    case notAGrade(Double)
    case notAScore(String)

    public var description: String {
        switch self {
        // The value is never shown: a bureau answer is applicant data.
        case .outOfRange(_, let low, let high): return "is outside the bureau's range \(low)–\(high)"
        case .notAGrade: return "is not a whole collectibility grade"
        case .notAScore: return "is neither a score nor 'no_record'"
        }
    }
}
