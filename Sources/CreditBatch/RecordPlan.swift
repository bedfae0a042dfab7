import CreditCSV
import CreditEngine

/// How each model feature is read from a CSV record: its column, and its policies resolved to an
/// imputed number or level (bin) positions. Kept in flat arrays of plain values (labels as bytes,
/// bin edges as numbers) so that encoding a row costs no reference counting and no `String`.
struct RecordPlan: Sendable {
    /// How a feature's cell becomes a design value.
    enum Kind: Sendable {
        /// A number (or the imputed value).
        case numeric
        /// A label matched to a level.
        case categorical
        /// A number placed in a bin by its edges (special values first).
        case binnedNumeric
        /// A label matched to the bin holding it.
        case binnedCategorical
    }

    /// ``level(of:feature:)`` results for a value the policies reject.
    static let missing = -1
    static let unknown = -2

    /// Column of each feature, in model order.
    let positions: [Int]
    let kinds: [Kind]
    /// Value used for an empty numeric cell; NaN when empty cells are rejected.
    let imputed: [Double]
    /// Level position for an empty / unseen categorical cell, or `missing` / `unknown` to reject.
    let missingLevel: [Int]
    let unknownLevel: [Int]
    /// Labels of feature `f` are labels `firstLabel[f] ..< firstLabel[f + 1]`; label `k` is
    /// `labelBytes[labelStart[k] ..< labelStart[k + 1]]` and stands for level `labelLevel[k]`.
    /// A label of at most 8 bytes is also kept as one word (``packedWord(_:)``), so matching
    /// a short label is one length and one integer comparison.
    let firstLabel: [Int]
    let labelStart: [Int]
    let labelBytes: [UInt8]
    let labelLevel: [Int]
    let labelWord: [UInt64]
    let labelLength: [Int]
    /// Binned numeric feature `f`: value bins are bins `0 ..< n` split at `cuts[firstCut[f] ..<
    /// firstCut[f + 1]]` (ascending upper edges); special values `specials[firstSpecial[f] ..<
    /// firstSpecial[f + 1]]` go to bin `specialBin[f]`.
    let firstCut: [Int]
    let cuts: [Double]
    let firstSpecial: [Int]
    let specials: [Double]
    let specialBin: [Int]

    /// Resolves every model feature to its column.
    /// - Throws: ``CSVError/missingColumn(_:)`` for the first absent column.
    init(model: LogisticModel, header: HeaderIndex) throws(CSVError) {
        var positions: [Int] = []
        var kinds: [Kind] = []
        var imputed: [Double] = []
        var missingLevel: [Int] = []
        var unknownLevel: [Int] = []
        var firstLabel = [0]
        var labelStart = [0]
        var labelBytes: [UInt8] = []
        var labelLevel: [Int] = []
        var labelWord: [UInt64] = []
        var labelLength: [Int] = []
        var firstCut = [0]
        var cuts: [Double] = []
        var firstSpecial = [0]
        var specials: [Double] = []
        var specialBin: [Int] = []
        func addLabel(_ label: String, level: Int) {
            labelBytes.append(contentsOf: label.utf8)
            labelStart.append(labelBytes.count)
            labelLevel.append(level)
            labelWord.append(Array(label.utf8).withUnsafeBytes { Self.packedWord($0) })
            labelLength.append(label.utf8.count)
        }
        for feature in model.features {
            positions.append(try header.require(feature.name))
            var missing = Self.missing
            var unknown = Self.unknown
            var imputedValue = Double.nan
            var special = Self.unknown
            switch feature.encoding {
            case .numeric(_, let policy):
                kinds.append(.numeric)
                if case .impute(let value) = policy { imputedValue = value }
            case .categorical(_, let levels, let missingPolicy, let unknownPolicy):
                kinds.append(.categorical)
                func position(_ policy: ModelFeature.CategoryPolicy, otherwise: Int) -> Int {
                    guard case .level(let label) = policy else { return otherwise }
                    return levels.firstIndex { $0.value == label } ?? otherwise
                }
                missing = position(missingPolicy, otherwise: Self.missing)
                unknown = position(unknownPolicy, otherwise: Self.unknown)
                for (level, entry) in levels.enumerated() { addLabel(entry.value, level: level) }
            case .binned(let binning, _, let unseenAsMissing):
                kinds.append(binning.isNumeric ? .binnedNumeric : .binnedCategorical)
                missing = binning.missingBinIndex ?? Self.missing
                unknown = unseenAsMissing ? missing : Self.unknown
                for (index, bin) in binning.bins.enumerated() {
                    switch bin.values {
                    case .interval(_, let upper): if let upper { cuts.append(upper) }
                    case .categories(let labels), .specialCategories(let labels): for label in labels { addLabel(label, level: index) }
                    case .special(let values):
                        specials.append(contentsOf: values)
                        special = index
                    case .missing: break
                    }
                }
            }
            imputed.append(imputedValue)
            missingLevel.append(missing)
            unknownLevel.append(unknown)
            specialBin.append(special)
            firstLabel.append(labelStart.count - 1)
            firstCut.append(cuts.count)
            firstSpecial.append(specials.count)
        }
        self.positions = positions
        self.kinds = kinds
        self.imputed = imputed
        self.missingLevel = missingLevel
        self.unknownLevel = unknownLevel
        self.firstLabel = firstLabel
        self.labelStart = labelStart
        self.labelBytes = labelBytes
        self.labelLevel = labelLevel
        self.labelWord = labelWord
        self.labelLength = labelLength
        self.firstCut = firstCut
        self.cuts = cuts
        self.firstSpecial = firstSpecial
        self.specials = specials
        self.specialBin = specialBin
    }

    /// The level position of categorical (or binned categorical) feature `feature` for the cell
    /// `bytes`, after the missing and unknown policies; `missing` or `unknown` when they reject it.
    func level(of bytes: UnsafeRawBufferPointer, feature: Int) -> Int {
        let count = bytes.count
        if count == 0 { return missingLevel[feature] }
        if count <= 8 {
            // Labels are distinct, so at most one matches; it is found without a branch per
            // label (which label a row holds is unpredictable, and mispredictions dominated).
            let word = Self.packedWord(bytes)
            let first = firstLabel[feature]
            let end = firstLabel[feature + 1]
            let match = labelWord.withUnsafeBufferPointer { words in
                labelLength.withUnsafeBufferPointer { lengths in
                    var match = 0
                    for label in first..<end {
                        let same = Self.bit(words[label] == word) & Self.bit(lengths[label] == count)
                        match |= (label &- first &+ 1) & (0 &- same)
                    }
                    return match
                }
            }
            return match == 0 ? unknownLevel[feature] : labelLevel[first + match - 1]
        }
        for label in firstLabel[feature]..<firstLabel[feature + 1] where labelStart[label + 1] - labelStart[label] == count {
            let start = labelStart[label]
            var same = true
            for offset in 0..<count where labelBytes[start + offset] != bytes[offset] {
                same = false
                break
            }
            if same { return labelLevel[label] }
        }
        return unknownLevel[feature]
    }

    /// 1 for `true`, 0 for `false`, as data rather than a branch.
    @inline(__always)
    static func bit(_ condition: Bool) -> Int { Int(unsafeBitCast(condition, to: UInt8.self)) }

    /// The first (up to) 8 bytes of `bytes` as one little-endian word, zero-padded.
    static func packedWord(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var word: UInt64 = 0
        for index in 0..<min(bytes.count, 8) { word |= UInt64(bytes[index]) << (8 * UInt64(index)) }
        return word
    }

    /// The bin of the finite number `value` for binned numeric feature `feature`.
    func bin(of value: Double, feature: Int) -> Int {
        let firstSpecial = firstSpecial[feature]
        let endSpecial = self.firstSpecial[feature + 1]
        if firstSpecial < endSpecial {
            for index in firstSpecial..<endSpecial where specials[index] == value { return specialBin[feature] }
        }
        // Cuts ascend, so the bin is the number of cuts at or below the value. It is counted
        // without a branch per cut (a comparison's 0 or 1 is added): where a value falls is
        // unpredictable, and mispredicted branches were most of this function's cost.
        let start = firstCut[feature]
        let end = firstCut[feature + 1]
        return cuts.withUnsafeBufferPointer { cuts in
            var bin = 0
            for index in start..<end { bin &+= Self.bit(value >= cuts[index]) }
            return bin
        }
    }
}
