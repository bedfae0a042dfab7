import CreditTestSupport
import Foundation
import Testing

@testable import CreditModels

/// Expects `report` to say `.converged`: "did not converge" fails a test unless it expects it.
func expectConverged(_ report: FitReport, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(report.status == .converged, "fit did not converge: \(report.status)", sourceLocation: sourceLocation)
}

@Suite("Logistic regression agrees with statsmodels")
struct StatsmodelsParityTests {
    /// 1M x 25 synthetic rows regenerated in memory from the seed the fixture records; the fixture
    /// was fitted on the CSV `credit generate` wrote from the same generator (shortest round-trip
    /// decimals, so the values are bit-identical).
    @Test("1M x 25 synthetic: coefficients, standard errors and log-likelihood")
    func syntheticMillionRows() throws {
        let fixture = try Fixture(url: Bundle.module.url(forResource: "statsmodels-synthetic-1m", withExtension: "json", subdirectory: "Fixtures"))
        let generator = fixture.object["generator"] as? [String: Any]
        let rows = (generator?["rows"] as? NSNumber)?.intValue ?? 0
        let featureCount = (generator?["features"] as? NSNumber)?.intValue ?? 0
        let seed = (generator?["seed"] as? NSNumber)?.uint64Value ?? 0
        try #require(rows == 1_000_000 && featureCount == 25)

        var synthetic = SyntheticLoans(featureCount: featureCount, seed: seed)
        var columns = Array(repeating: [Double](), count: featureCount)
        for j in 0..<featureCount { columns[j].reserveCapacity(rows) }
        var events: [Bool] = []
        events.reserveCapacity(rows)
        for _ in 0..<rows {
            let (features, event) = synthetic.next()
            for j in 0..<featureCount { columns[j].append(features[j]) }
            events.append(event)
        }
        let data = TrainingData(
            features: columns.enumerated().map { .init(name: "x\($0.offset + 1)", values: .numeric($0.element)) },
            events: events
        )
        #expect(events.filter { $0 }.count == Int(fixture.number("events")))

        let fit = try LogisticRegression().fit(data)
        expectConverged(fit.report)
        #expect(fit.coefficients.map(\.term) == fixture.strings("terms"))
        let coefficientTolerance = fixture.tolerance(for: "coefficients")
        let errorTolerance = fixture.tolerance(for: "standardErrors")
        let llTolerance = fixture.tolerance(for: "logLikelihood")
        let mismatch = firstMismatch(
            fit.coefficients.map(\.estimate), fixture.numbers("coefficients"),
            relative: coefficientTolerance.relative, absolute: coefficientTolerance.absolute)
        #expect(mismatch == nil, "coefficient mismatch \(String(describing: mismatch))")
        let errorMismatch = firstMismatch(
            fit.coefficients.map { $0.standardError ?? .nan }, fixture.numbers("standardErrors"),
            relative: errorTolerance.relative, absolute: errorTolerance.absolute)
        #expect(errorMismatch == nil, "standard error mismatch \(String(describing: errorMismatch))")
        #expect(isClose(fit.report.logLikelihood, fixture.number("logLikelihood"), relative: llTolerance.relative))

        // The estimates also recover the generating model (a check independent of statsmodels):
        // every true coefficient lies within 5 standard errors of its estimate.
        for (j, truth) in synthetic.trueCoefficients.enumerated() {
            let estimate = fit.coefficients[j + 1]
            #expect(abs(estimate.estimate - truth) < 5 * (estimate.standardError ?? 0), "x\(j + 1) far from the truth")
        }
    }
}
