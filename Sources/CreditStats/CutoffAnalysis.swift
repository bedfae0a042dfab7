/// Approval and bad rates when applications with PD at or below a cut-off are approved, with the
/// confusion counts of "decline" as the prediction of "default".
public struct CutoffOutcome: Sendable, Equatable, Codable {
    public var cutoff: Double
    /// Approved rows, and the defaults among them (false negatives).
    public var approved: Int
    public var approvedDefaults: Int
    /// Declined rows, and the defaults among them (true positives).
    public var declined: Int
    public var declinedDefaults: Int

    public init(cutoff: Double, approved: Int, approvedDefaults: Int, declined: Int, declinedDefaults: Int) {
        (self.cutoff, self.approved, self.approvedDefaults, self.declined, self.declinedDefaults) = (cutoff, approved, approvedDefaults, declined, declinedDefaults)
    }

    public var approvalRate: Double { Double(approved) / Double(max(1, approved + declined)) }
    /// Default rate among approved rows (0 when none is approved).
    public var approvedBadRate: Double { approved == 0 ? 0 : Double(approvedDefaults) / Double(approved) }
    public var truePositives: Int { declinedDefaults }
    public var falsePositives: Int { declined - declinedDefaults }
    public var trueNegatives: Int { approved - approvedDefaults }
    public var falseNegatives: Int { approvedDefaults }

    /// Counts at each cut-off.
    public static func table(probabilities: [Double], events: [Bool], cutoffs: [Double]) -> [CutoffOutcome] {
        cutoffs.map { cutoff in
            var outcome = CutoffOutcome(cutoff: cutoff, approved: 0, approvedDefaults: 0, declined: 0, declinedDefaults: 0)
            for (pd, event) in zip(probabilities, events) {
                if pd <= cutoff {
                    outcome.approved += 1
                    if event { outcome.approvedDefaults += 1 }
                } else {
                    outcome.declined += 1
                    if event { outcome.declinedDefaults += 1 }
                }
            }
            return outcome
        }
    }
}

/// Approval rates by group and the adverse-impact ratio (a group's approval rate over the highest
/// group's; the "four-fifths rule" flags ratios below 0.8). Groups with fewer than `minimumSize`
/// rows are reported as insufficient rather than given a ratio.
public struct FairnessReport: Sendable, Equatable, Codable {
    public struct Group: Sendable, Equatable, Codable {
        public var group: String
        public var rows: Int
        public var approved: Int
        public var approvalRate: Double
        /// nil when the group is below the minimum size.
        public var adverseImpactRatio: Double?
        public var insufficient: Bool
    }

    public var cutoff: Double
    public var minimumSize: Int
    public var groups: [Group]

    public init(probabilities: [Double], groups labels: [String], cutoff: Double, minimumSize: Int = 30) {
        var counts: [String: (rows: Int, approved: Int)] = [:]
        for (pd, label) in zip(probabilities, labels) {
            counts[label, default: (0, 0)].rows += 1
            if pd <= cutoff { counts[label, default: (0, 0)].approved += 1 }
        }
        let sufficient = counts.filter { $0.value.rows >= minimumSize }
        let best = sufficient.values.map { Double($0.approved) / Double($0.rows) }.max() ?? 0
        groups = counts.keys.sorted().map { label in
            let (rows, approved) = counts[label]!
            let rate = Double(approved) / Double(rows)
            let enough = rows >= minimumSize
            return Group(group: label, rows: rows, approved: approved, approvalRate: rate,
                         adverseImpactRatio: enough && best > 0 ? rate / best : nil, insufficient: !enough)
        }
        self.cutoff = cutoff
        self.minimumSize = minimumSize
    }
}
