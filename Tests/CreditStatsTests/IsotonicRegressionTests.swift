import CreditStats
import CreditTestSupport
import Foundation
import Testing

@Suite("Isotonic regression")
struct IsotonicRegressionTests {
    /// scikit-learn's IsotonicRegression(increasing=False, out_of_bounds="clip"); produced by
    /// benchmarks/peers/make_isotonic_fixture.py (versions in the fixture). Tolerance 1e-12.
    @Test("breakpoints and predictions match scikit-learn", arguments: ["unweighted", "weighted"])
    func parity(name: String) throws {
        let fixture = try Fixture(url: Bundle.module.url(forResource: "isotonic", withExtension: "json", subdirectory: "Fixtures"))
        let fits = fixture.object["fits"] as! [String: [String: [NSNumber]]]
        let expected = fits[name]!
        let model = try IsotonicRegression(
            x: fixture.numbers("x"), y: fixture.numbers("y"), weights: name == "weighted" ? fixture.numbers("weights") : nil, increasing: false)
        #expect(model.points.map(\.x) == expected["thresholdsX"]!.map(\.doubleValue))
        for (ours, theirs) in zip(model.points.map(\.y), expected["thresholdsY"]!.map(\.doubleValue)) { #expect(abs(ours - theirs) <= 1e-12) }
        for (x, theirs) in zip(fixture.numbers("grid"), expected["predictions"]!.map(\.doubleValue)) {
            #expect(abs(model.predict(x) - theirs) <= 1e-12, "at \(x)")
        }
    }

    @Test("known answers: already monotone data is kept, a violation is pooled, ties are averaged")
    func knownAnswers() throws {
        let monotone = try IsotonicRegression(x: [1, 2, 3], y: [0.1, 0.2, 0.3], increasing: true)
        #expect(monotone.points.map(\.y) == [0.1, 0.2, 0.3])
        let pooled = try IsotonicRegression(x: [1, 2, 3], y: [0.1, 0.5, 0.3], increasing: true)
        #expect(pooled.points.map(\.x) == [1, 2, 3] && pooled.points.map(\.y) == [0.1, 0.4, 0.4])
        let ties = try IsotonicRegression(x: [2, 1, 2], y: [1, 0, 0], increasing: true)
        #expect(ties.points.map(\.y) == [0, 0.5])
        #expect(ties.predict(1.5) == 0.25 && ties.predict(-10) == 0 && ties.predict(10) == 0.5)
        #expect(throws: MetricError.nonFiniteScore(index: 1)) { try IsotonicRegression(x: [1, .nan], y: [0, 1], increasing: true) }
        #expect(throws: MetricError.invalidWeight(index: 0)) { try IsotonicRegression(x: [1], y: [0], weights: [-1], increasing: true) }
    }
}
