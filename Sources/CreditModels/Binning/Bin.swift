import RealModule

/// One bin of a binned feature, with its counts and weight of evidence.
///
/// Weight of evidence is `WoE = ln((nonEvents / totalNonEvents) / (events / totalEvents))`: positive
/// for bins safer than average. A bin with no events or no non-events (possible only for the
/// missing and special bins) has 0.5 added to both counts before the logarithm, a documented
/// smoothing that keeps WoE finite. `IV = (nonEvents/totalNonEvents − events/totalEvents) · WoE`.
public struct Bin: Sendable, Equatable, Codable {
    /// Which values fall in the bin.
    public enum Values: Sendable, Equatable, Codable {
        /// `lower <= x < upper` (`nil`: unbounded).
        case interval(lower: Double?, upper: Double?)
        /// These category labels.
        case categories([String])
        /// Missing values (and, for categorical features, unseen labels when so declared).
        case missing
        /// The declared special values.
        case special([Double])
        /// The declared special categories (`no bureau record`).
        case specialCategories([String])
    }

    /// Which values fall in the bin.
    public var values: Values
    /// Rows in the bin.
    public var count: Int
    /// Events (defaults) in the bin.
    public var events: Int
    /// Weight of evidence.
    public var weightOfEvidence: Double
    /// The bin's contribution to the feature's information value.
    public var informationValue: Double

    /// Non-events in the bin.
    public var nonEvents: Int { count - events }
    /// Share of events in the bin (0 for an empty bin).
    public var eventRate: Double { count == 0 ? 0 : Double(events) / Double(count) }

    /// A bin with its counts and evidence as recorded (a model read from another format).
    package init(values: Values, count: Int, events: Int, weightOfEvidence: Double, informationValue: Double) {
        (self.values, self.count, self.events, self.weightOfEvidence, self.informationValue) = (values, count, events, weightOfEvidence, informationValue)
    }

    /// A bin with counts; WoE and IV from the feature totals.
    init(values: Values, count: Int, events: Int, totalEvents: Int, totalNonEvents: Int) {
        self.values = values
        self.count = count
        self.events = events
        let (woe, iv) = Self.evidence(events: Double(events), nonEvents: Double(count - events),
                                      totalEvents: Double(totalEvents), totalNonEvents: Double(totalNonEvents))
        self.weightOfEvidence = woe
        self.informationValue = iv
    }

    /// WoE and IV of a group of rows, with the 0.5 smoothing when either count is zero.
    static func evidence(events: Double, nonEvents: Double, totalEvents: Double, totalNonEvents: Double) -> (Double, Double) {
        guard events + nonEvents > 0 else { return (0, 0) }
        let (e, n) = events == 0 || nonEvents == 0 ? (events + 0.5, nonEvents + 0.5) : (events, nonEvents)
        let eventShare = e / totalEvents
        let nonEventShare = n / totalNonEvents
        let woe = (nonEventShare / eventShare).logarithm
        return (woe, (nonEventShare - eventShare) * woe)
    }

    /// A short label: `[1.5, 3)`, `{a, b}`, `missing`, `special {-999}`.
    public var label: String {
        switch values {
        case .interval(let lower, let upper):
            return "[\(lower.map { "\($0)" } ?? "-inf"), \(upper.map { "\($0)" } ?? "inf"))"
        case .categories(let labels): return "{" + labels.joined(separator: ", ") + "}"
        case .missing: return "missing"
        case .special(let values): return "special {" + values.map { "\($0)" }.joined(separator: ", ") + "}"
        case .specialCategories(let labels): return "special {" + labels.joined(separator: ", ") + "}"
        }
    }
}

extension Double {
    /// Natural logarithm (kept here so the binning code reads as the formulas).
    var logarithm: Double { Double.log(self) }
}
