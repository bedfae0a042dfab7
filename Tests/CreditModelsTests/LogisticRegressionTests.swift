import CreditCore
import CreditTestSupport
import Foundation
import Testing

@testable import CreditModels

/// A small, well-posed data set with one numeric and one categorical feature.
private func smallData(weights: [Double]? = nil) -> TrainingData {
    let x: [Double] = [0.5, 1.2, -0.3, 2.2, 0.1, -1.5, 0.9, 1.8, -0.7, 0.0, 1.1, -0.2, 2.5, -1.1, 0.4, 1.6]
    let group = ["a", "b", "c", "a", "b", "c", "a", "b", "c", "a", "b", "c", "a", "b", "c", "a"]
    let events = [false, true, false, true, true, false, false, true, true, false, true, false, true, false, false, true]
    return TrainingData(
        features: [.init(name: "x", values: .numeric(x)), .init(name: "group", values: .categorical(group))],
        events: events, weights: weights)
}

/// Repeats each observation `counts[i]` times.
private func repeated(_ data: TrainingData, counts: [Int]) -> TrainingData {
    func expand<T>(_ values: [T]) -> [T] { zip(values, counts).flatMap { Array(repeating: $0, count: $1) } }
    let features = data.features.map { feature -> TrainingData.Feature in
        switch feature.values {
        case .numeric(let values): return .init(name: feature.name, values: .numeric(expand(values)))
        case .categorical(let labels): return .init(name: feature.name, values: .categorical(expand(labels)))
        }
    }
    return TrainingData(features: features, events: expand(data.events))
}

/// An independent reference: plain gradient ascent on the mean log-likelihood of `smallData()`
/// (no BLAS, no Newton), with the design written out by hand: 1, x, group=b, group=c.
private func gradientAscent(steps: Int) -> [Double] {
    let data = smallData()
    guard case .numeric(let x) = data.features[0].values, case .categorical(let group) = data.features[1].values else { return [] }
    let rows = x.indices.map { [1, x[$0], group[$0] == "b" ? 1 : 0, group[$0] == "c" ? 1 : 0] }
    var beta = [0.0, 0, 0, 0]
    for _ in 0..<steps {
        var gradient = [0.0, 0, 0, 0]
        for (i, row) in rows.enumerated() {
            let eta = zip(row, beta).reduce(0) { $0 + $1.0 * $1.1 }
            let residual = (data.events[i] ? 1.0 : 0.0) - 1 / (1 + Foundation.exp(-eta))
            for j in 0..<4 { gradient[j] += residual * row[j] }
        }
        for j in 0..<4 { beta[j] += 0.5 * gradient[j] / Double(rows.count) }
    }
    return beta
}

@Suite("Logistic regression: invariants, statuses and rejections")
struct LogisticRegressionTests {
    @Test("IRLS agrees with an independent gradient-ascent solver")
    func agreesWithGradientAscent() throws {
        let fit = try LogisticRegression().fit(smallData())
        expectConverged(fit.report)
        let reference = gradientAscent(steps: 60_000)
        let mismatch = firstMismatch(fit.coefficients.map(\.estimate), reference, relative: 1e-4, absolute: 1e-4)
        #expect(mismatch == nil, "\(String(describing: mismatch))")
    }

    @Test("integer weights are the same as repeated rows; unit weights the same as none")
    func weightsEqualRepetition() throws {
        let counts = [1, 2, 3, 1, 1, 2, 1, 4, 1, 1, 2, 1, 3, 1, 1, 2]
        let weighted = try LogisticRegression().fit(smallData(weights: counts.map(Double.init)))
        let expanded = try LogisticRegression().fit(repeated(smallData(), counts: counts))
        expectConverged(weighted.report)
        expectConverged(expanded.report)
        #expect(firstMismatch(weighted.coefficients.map(\.estimate), expanded.coefficients.map(\.estimate), relative: 1e-9, absolute: 1e-12) == nil)
        #expect(firstMismatch(weighted.coefficients.map { $0.standardError! }, expanded.coefficients.map { $0.standardError! }, relative: 1e-9) == nil)
        #expect(isClose(weighted.report.logLikelihood, expanded.report.logLikelihood, relative: 1e-12))

        let unit = try LogisticRegression().fit(smallData(weights: Array(repeating: 1, count: 16)))
        let none = try LogisticRegression().fit(smallData())
        #expect(firstMismatch(unit.coefficients.map(\.estimate), none.coefficients.map(\.estimate), relative: 1e-12, absolute: 1e-14) == nil)
    }

    @Test("an L2 penalty shrinks the coefficients but not the intercept's role")
    func penaltyShrinks() throws {
        var options = IRLSOptions()
        options.l2Penalty = 5
        let penalized = try LogisticRegression(options: options).fit(smallData())
        let plain = try LogisticRegression().fit(smallData())
        expectConverged(penalized.report)
        let norm = { (fit: LogisticFit) in fit.coefficients.dropFirst().reduce(0) { $0 + $1.estimate * $1.estimate } }
        #expect(norm(penalized) < norm(plain))
        #expect(penalized.report.logLikelihood < plain.report.logLikelihood)
    }

    @Test("categorical levels are coded against the first level in byte order")
    func referenceLevelIsFirstInByteOrder() throws {
        let fit = try LogisticRegression().fit(smallData())
        #expect(fit.coefficients.map(\.term) == ["(intercept)", "x", "group=b", "group=c"])
        guard case .categorical(let reference, let levels, _, _) = fit.model.features[1].encoding else {
            Issue.record("group should be categorical")
            return
        }
        #expect(reference == "a")
        #expect(levels.map(\.value) == ["a", "b", "c"])
        #expect(levels[0].coefficient == 0)
        #expect(levels[1].coefficient == fit.coefficients[2].estimate)
    }

    @Test("perfect separation is a status naming the feature, not a crash")
    func perfectSeparation() throws {
        let x: [Double] = [-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3]
        let data = TrainingData(
            features: [.init(name: "x", values: .numeric(x))], events: x.map { $0 > 0 })
        let fit = try LogisticRegression().fit(data)
        #expect(fit.report.status == .separation(feature: "x"))
    }

    @Test("collinear features are reported as ill-conditioned")
    func collinearFeatures() throws {
        let x: [Double] = [0.5, 1.2, -0.3, 2.2, 0.1, -1.5, 0.9, 1.8, -0.7, 0.0]
        let data = TrainingData(
            features: [.init(name: "x", values: .numeric(x)), .init(name: "twice_x", values: .numeric(x.map { 2 * $0 }))],
            events: [false, true, false, true, true, false, true, false, false, true])
        let fit = try LogisticRegression().fit(data)
        guard case .illConditioned = fit.report.status else {
            Issue.record("expected illConditioned, got \(fit.report.status)")
            return
        }
    }

    @Test("data that cannot be fitted is rejected with a clear error")
    func rejections() throws {
        let regression = try LogisticRegression()
        let x: [Double] = [1, 2, 3, 4]
        #expect(throws: FitError.singleClass(allEvents: true)) {
            try regression.fit(TrainingData(features: [.init(name: "x", values: .numeric(x))], events: [true, true, true, true]))
        }
        #expect(throws: FitError.constantFeature("c")) {
            try regression.fit(TrainingData(
                features: [.init(name: "x", values: .numeric(x)), .init(name: "c", values: .numeric([7, 7, 7, 7]))],
                events: [true, false, true, false]))
        }
        #expect(throws: FitError.nonFiniteValue(feature: "x", index: 2)) {
            try regression.fit(TrainingData(features: [.init(name: "x", values: .numeric([1, 2, .nan, 4]))], events: [true, false, true, false]))
        }
        #expect(throws: FitError.nonFiniteValue(feature: "x", index: 0)) {
            try regression.fit(TrainingData(features: [.init(name: "x", values: .numeric([.infinity, 2, 3, 4]))], events: [true, false, true, false]))
        }
        #expect(throws: FitError.invalidWeight(index: 1)) {
            try regression.fit(TrainingData(features: [.init(name: "x", values: .numeric(x))], events: [true, false, true, false], weights: [1, -1, 1, 1]))
        }
        #expect(throws: FitError.lengthMismatch(column: "x", expected: 3, found: 4)) {
            try regression.fit(TrainingData(features: [.init(name: "x", values: .numeric(x))], events: [true, false, true]))
        }
        #expect(throws: FitError.duplicateFeature("x")) {
            try regression.fit(TrainingData(
                features: [.init(name: "x", values: .numeric(x)), .init(name: "x", values: .numeric(x))], events: [true, false, true, false]))
        }
        #expect(throws: FitError.emptyData) { try regression.fit(TrainingData(features: [], events: [])) }
        #expect(throws: FitError.designTooLarge(bytes: 64, limit: 10)) {
            try LogisticRegression(maxDesignBytes: 10).fit(TrainingData(features: [.init(name: "x", values: .numeric(x))], events: [true, false, true, false]))
        }
        #expect(FitError.singleClass(allEvents: true).description == "every observation is an event; both outcomes are needed to fit")
    }

    @Test("invalid options are rejected by name")
    func invalidOptions() {
        var options = IRLSOptions()
        options.l2Penalty = -1
        #expect(throws: ConfigurationError(name: "l2Penalty", value: "-1.0", requirement: "must be a finite number >= 0")) {
            try LogisticRegression(options: options)
        }
        options = IRLSOptions()
        options.tolerance = .nan
        #expect(throws: ConfigurationError(name: "tolerance", value: "nan", requirement: "must be a finite number > 0")) {
            try LogisticRegression(options: options)
        }
        options = IRLSOptions()
        options.maxIterations = 0
        #expect(throws: ConfigurationError(name: "maxIterations", value: "0", requirement: "must be at least 1")) {
            try LogisticRegression(options: options)
        }
    }

    @Test("the iteration limit is a status")
    func iterationLimit() throws {
        var options = IRLSOptions()
        options.maxIterations = 1
        let fit = try LogisticRegression(options: options).fit(smallData())
        #expect(fit.report.status == .iterationLimit)
        #expect(fit.report.iterations == 1)
    }
}
