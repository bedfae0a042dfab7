import CreditCore
import CreditTestSupport
import Foundation
import Testing

@testable import CreditModels

private let model = try! LogisticModel(
    intercept: -1.5,
    features: [
        ModelFeature(name: "income", encoding: .numeric(coefficient: -0.25, missing: .impute(4))),
        ModelFeature(name: "age", encoding: .numeric(coefficient: 0.01, missing: .reject)),
        ModelFeature(name: "region", encoding: .categorical(
            reference: "jakarta",
            levels: [.init(value: "jakarta", coefficient: 0), .init(value: "bandung", coefficient: 0.4), .init(value: "other", coefficient: 0.7)],
            missing: .level("other"), unknown: .reject)),
    ])

@Suite("Model scoring, scaling and validation")
struct ModelTests {
    @Test("the linear predictor is the intercept plus each contribution, in order")
    func linearPredictor() throws {
        let eta = try model.linearPredictor([.number(6), .number(30), .category("bandung")])
        #expect(eta == -1.5 + -0.25 * 6 + 0.01 * 30 + 0.4)
        #expect(isClose(LogisticModel.probability(linearPredictor: eta), 1 / (1 + exp(-eta)), relative: 1e-15))
    }

    @Test("missing and unknown values follow the feature's policy")
    func policies() throws {
        #expect(try model.linearPredictor([.missing, .number(30), .missing]) == -1.5 + -0.25 * 4 + 0.01 * 30 + 0.7)
        #expect(throws: ScoringFailure(featureIndex: 1, reason: .missingValue)) { try model.linearPredictor([.number(1), .missing, .category("jakarta")]) }
        #expect(throws: ScoringFailure(featureIndex: 2, reason: .unknownCategory)) { try model.linearPredictor([.number(1), .number(2), .category("surabaya")]) }
        #expect(throws: ScoringFailure(featureIndex: 0, reason: .notFinite)) { try model.linearPredictor([.number(.nan), .number(2), .category("jakarta")]) }
        #expect(throws: ScoringFailure(featureIndex: 0, reason: .notANumber)) { try model.linearPredictor([.category("high"), .number(2), .category("jakarta")]) }
    }

    @Test("batch scoring is bit-identical to the single-record path, whatever the batch size", arguments: [1, 3, 5, 64, 1000])
    func batchAgreesWithSingle(capacity: Int) throws {
        var scorer = BatchScorer(model: model, capacity: capacity)
        let regions = ["jakarta", "bandung", "other"]
        var expected: [Double] = []
        var actual: [Double] = []
        for row in 0..<2_000 {
            let values: [FeatureValue] = [
                row % 11 == 0 ? .missing : .number(Double(row % 97) / 7), .number(Double(18 + row % 50)),
                row % 13 == 0 ? .missing : .category(regions[row % 3]),
            ]
            expected.append(try model.linearPredictor(values))
            try scorer.append(values)
            if scorer.isFull { actual += scorer.linearPredictors() }
        }
        actual += scorer.linearPredictors()
        #expect(actual == expected)
    }

    @Test("a record's η is the same bits alone, in any batch and at any position (random models)", arguments: 0..<6)
    func reproduciblePerRecord(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed) + 77)
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        let numericCount = 1 + random.below(30)
        var features = (0..<numericCount).map { index in
            ModelFeature(name: "x\(index)", encoding: .numeric(coefficient: (uniform() - 0.5) * pow(10, Double(random.below(9)) - 6), missing: .reject))
        }
        features.append(ModelFeature(name: "region", encoding: .categorical(
            reference: "a", levels: [.init(value: "a", coefficient: 0), .init(value: "b", coefficient: uniform() - 0.5), .init(value: "c", coefficient: -uniform())],
            missing: .reject, unknown: .reject)))
        let model = try LogisticModel(intercept: uniform() * 4 - 2, features: features)
        let rows: [[FeatureValue]] = (0..<203).map { _ in
            (0..<numericCount).map { _ in .number((uniform() - 0.5) * pow(10, Double(random.below(12)) - 3)) } + [.category(["a", "b", "c"][random.below(3)])]
        }
        let reference = try rows.map { try model.linearPredictor($0) }
        for capacity in [1, 4, 7, 203] {
            var scorer = BatchScorer(model: model, capacity: capacity)
            var batched: [Double] = []
            for row in rows {
                try scorer.append(row)
                if scorer.isFull { batched += scorer.linearPredictors() }
            }
            batched += scorer.linearPredictors()
            let differing = zip(batched, reference).filter { $0.bitPattern != (0.0 + $1).bitPattern }.count
            #expect(batched.count == reference.count && differing == 0, "capacity \(capacity): \(differing) records differ")
        }
    }

    @Test("a rejected record leaves the batch unchanged")
    func rejectedRecordNotAppended() throws {
        var scorer = BatchScorer(model: model, capacity: 4)
        try scorer.append([.number(1), .number(20), .category("jakarta")])
        #expect(throws: ScoringFailure(featureIndex: 2, reason: .unknownCategory)) {
            try scorer.append([.number(1), .number(20), .category("nowhere")])
        }
        #expect(scorer.count == 1)
        #expect(scorer.linearPredictors() == [-1.5 - 0.25 + 0.2])
    }

    @Test("scaling: base odds score the base score and doubling the odds adds the PDO")
    func scaling() throws {
        let scaling = try ScoreScaling(baseScore: 600, baseOdds: 50, pointsToDoubleOdds: 20)
        let etaAtBase = -log(50.0)
        #expect(isClose(scaling.score(linearPredictor: etaAtBase), 600, relative: 0, absolute: 1e-12))
        for eta in [-6.0, -2.5, 0, 1.3] {
            let doubled = scaling.score(linearPredictor: eta - log(2.0))
            #expect(isClose(doubled - scaling.score(linearPredictor: eta), 20, relative: 0, absolute: 1e-11))
        }
        #expect(throws: ConfigurationError(name: "pointsToDoubleOdds", value: "0.0", requirement: "must be a finite number > 0")) {
            try ScoreScaling(pointsToDoubleOdds: 0)
        }
        #expect(throws: ConfigurationError(name: "baseOdds", value: "-1.0", requirement: "must be a finite number > 0")) {
            try ScoreScaling(baseOdds: -1)
        }
    }

    @Test("a model survives a JSON round trip")
    func codableRoundTrip() throws {
        let data = try JSONEncoder().encode(model)
        #expect(try JSONDecoder().decode(LogisticModel.self, from: data) == model)
    }

    @Test("inconsistent models are rejected with the path of the problem")
    func validation() {
        #expect(throws: ModelValidationError(path: "intercept", problem: "must be a finite number")) {
            try LogisticModel(intercept: .nan, features: model.features)
        }
        #expect(throws: ModelValidationError(path: "features", problem: "must list at least one feature")) {
            try LogisticModel(intercept: 0, features: [])
        }
        #expect(throws: ModelValidationError(path: "features[1].name", problem: "duplicate feature name 'income'")) {
            try LogisticModel(intercept: 0, features: [model.features[0], model.features[0]])
        }
        #expect(throws: ModelValidationError(path: "features[0].coefficient", problem: "must be a finite number")) {
            try LogisticModel(intercept: 0, features: [ModelFeature(name: "x", encoding: .numeric(coefficient: .infinity, missing: .reject))])
        }
        #expect(throws: ModelValidationError(path: "features[0].reference", problem: "is not one of the levels")) {
            try LogisticModel(intercept: 0, features: [ModelFeature(name: "r", encoding: .categorical(
                reference: "z", levels: [.init(value: "a", coefficient: 0)], missing: .reject, unknown: .reject))])
        }
        #expect(throws: ModelValidationError(path: "features[0].levels[1].value", problem: "duplicate level 'a'")) {
            try LogisticModel(intercept: 0, features: [ModelFeature(name: "r", encoding: .categorical(
                reference: "a", levels: [.init(value: "a", coefficient: 0), .init(value: "a", coefficient: 1)], missing: .reject, unknown: .reject))])
        }
        #expect(throws: ModelValidationError(path: "features[0].unknown.level", problem: "is not one of the levels")) {
            try LogisticModel(intercept: 0, features: [ModelFeature(name: "r", encoding: .categorical(
                reference: "a", levels: [.init(value: "a", coefficient: 0)], missing: .reject, unknown: .level("b")))])
        }
        #expect(throws: ModelValidationError(path: "features[0].levels[0].coefficient", problem: "the reference level's coefficient must be 0")) {
            try LogisticModel(intercept: 0, features: [ModelFeature(name: "r", encoding: .categorical(
                reference: "a", levels: [.init(value: "a", coefficient: 0.5)], missing: .reject, unknown: .reject))])
        }
    }

    @Test("stable logistic functions do not overflow and match the direct formulas")
    func logisticFunctions() {
        for x in [-800.0, -40, -20, -1, 0, 1, 20, 40, 800] {
            let sigmoid = LogisticFunctions.sigmoid(x)
            #expect(sigmoid >= 0 && sigmoid <= 1)
            #expect(LogisticFunctions.log1pExp(x).isFinite)
            if abs(x) < 30 {
                #expect(isClose(LogisticFunctions.log1pExp(x), log1p(exp(x)), relative: 1e-14))
                #expect(isClose(sigmoid, 1 / (1 + exp(-x)), relative: 1e-14))
            }
        }
        #expect(LogisticFunctions.log1pExp(800) == 800)
        #expect(LogisticFunctions.logSigmoid(-800) == -800)
    }

    @Test("the synthetic generator is deterministic in its seed")
    func syntheticDeterminism() {
        var a = SyntheticLoans(featureCount: 3, seed: 42)
        var b = SyntheticLoans(featureCount: 3, seed: 42)
        var c = SyntheticLoans(featureCount: 3, seed: 43)
        let rowsA = (0..<50).map { _ in a.next().features }
        #expect(rowsA == (0..<50).map { _ in b.next().features })
        #expect(rowsA != (0..<50).map { _ in c.next().features })
        // Values are rounded to 6 decimals, so their shortest text parses back exactly.
        #expect(rowsA.joined().allSatisfy { Double("\($0)") == $0 && abs($0 * 1e6 - ($0 * 1e6).rounded()) < 1e-6 })
    }
}
