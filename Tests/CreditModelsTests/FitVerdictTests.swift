import CreditCore
import CreditLinearAlgebra
import CreditTestSupport
import Foundation
import Testing

@testable import CreditModels

/// A loan book with an amount in rupiah (about 10⁷), a 0/1 flag and an age: the units that made
/// the unscaled condition test refuse a well-posed fit. `amountDivisor` rescales the amount
/// column (10⁶ gives millions of rupiah).
private func loanBook(rows: Int = 3_000, amountDivisor: Double = 1, outlierAmount: Double? = nil) -> TrainingData {
    var random = SeededGenerator(seed: 42)
    var amounts: [Double] = []
    var flags: [Double] = []
    var ages: [Double] = []
    var events: [Bool] = []
    for _ in 0..<rows {
        let amount = 2_000_000 + Double(random.below(48_000_000))
        let flag = Double(random.below(2))
        let age = 21 + Double(random.below(40))
        let eta = 0.8 - 0.06 * (amount / 1_000_000) + 0.9 * flag - 0.03 * (age - 40)
        let uniform = Double(random.below(1_000_000)) / 1_000_000
        amounts.append(amount / amountDivisor)
        flags.append(flag)
        ages.append(age)
        events.append(uniform < 1 / (1 + exp(-eta)))
    }
    if let outlierAmount {
        // A good loan (no default) with an amount far beyond the rest: predicted correctly, saturated.
        amounts.append(outlierAmount / amountDivisor)
        flags.append(0)
        ages.append(40)
        events.append(false)
    }
    return TrainingData(
        features: [
            .init(name: "amount", values: .numeric(amounts)),
            .init(name: "flag", values: .numeric(flags)),
            .init(name: "age", values: .numeric(ages)),
        ],
        events: events)
}

@Suite("Logistic fit verdicts: units, outliers, separation and collinearity")
struct FitVerdictTests {
    @Test("a fit on amounts in rupiah is the fit on millions of rupiah, rescaled")
    func scaleInvariance() throws {
        let rupiah = try LogisticRegression().fit(loanBook())
        let millions = try LogisticRegression().fit(loanBook(amountDivisor: 1_000_000))
        expectConverged(rupiah.report)
        expectConverged(millions.report)
        // The amount coefficient (term 1) and its standard error scale by 10⁶; the rest are equal.
        let scales: [Double] = [1, 1_000_000, 1, 1]
        let rescaled = zip(rupiah.coefficients, scales).map { $0.estimate * $1 }
        let rescaledErrors = zip(rupiah.coefficients, scales).map { $0.standardError! * $1 }
        #expect(firstMismatch(rescaled, millions.coefficients.map(\.estimate), relative: 1e-9) == nil)
        #expect(firstMismatch(rescaledErrors, millions.coefficients.map { $0.standardError! }, relative: 1e-9) == nil)
        #expect(isClose(rupiah.report.logLikelihood, millions.report.logLikelihood, relative: 1e-12))
        #expect(isClose(rupiah.report.reciprocalCondition, millions.report.reciprocalCondition, relative: 1e-6))
    }

    @Test("one saturated outlier on a good loan is a warning on a converged fit, not separation")
    func outlierIsNotSeparation() throws {
        let fit = try LogisticRegression().fit(loanBook(outlierAmount: 5_000_000_000))
        expectConverged(fit.report)
        #expect(fit.report.saturatedObservations == 1)
    }

    @Test("a categorical level with no events is separation naming the level")
    func pureLevelIsSeparation() throws {
        let x: [Double] = [0.5, 1.2, -0.3, 2.2, 0.1, -1.5, 0.9, 1.8, -0.7, 0.0, 1.1, -0.2]
        let group = ["a", "b", "z", "a", "b", "z", "a", "b", "z", "a", "b", "z"]
        let events = [true, false, false, false, true, false, true, true, false, false, true, false]
        let data = TrainingData(
            features: [.init(name: "x", values: .numeric(x)), .init(name: "group", values: .categorical(group))],
            events: events)
        let fit = try LogisticRegression().fit(data)
        #expect(fit.report.status == .separation(feature: "group=z"))
    }

    @Test("collinearity names the columns involved")
    func collinearityNamesColumns() throws {
        let x: [Double] = [0.5, 1.2, -0.3, 2.2, 0.1, -1.5, 0.9, 1.8, -0.7, 0.0]
        let z: [Double] = [1, 0, 3, 2, 5, 1, 0, 2, 4, 3]
        let data = TrainingData(
            features: [
                .init(name: "x", values: .numeric(x)), .init(name: "z", values: .numeric(z)),
                .init(name: "x_plus_z", values: .numeric(zip(x, z).map { $0 + $1 })),
            ],
            events: [false, true, false, true, true, false, true, false, false, true])
        let fit = try LogisticRegression().fit(data)
        guard case .illConditioned(_, let terms) = fit.report.status else {
            Issue.record("expected illConditioned, got \(fit.report.status)")
            return
        }
        #expect(terms == ["x", "z", "x_plus_z"])
        #expect(fit.report.status.description.contains("features are collinear ('x', 'z', 'x_plus_z')"))
    }

    @Test("the scaled factorization solves and inverts like the plain one")
    func scaledHessianMatchesPlain() throws {
        let hessian = Matrix(rows: 3, columns: 3, columnMajor: [4e14, 2e7, 1e7, 2e7, 3, 0.5, 1e7, 0.5, 2])
        let scaled = try ScaledHessian(hessian)
        let b = [1e7, 2, 3]
        let x = scaled.solve(b)
        // H x must give back b.
        for row in 0..<3 {
            let product = (0..<3).reduce(0.0) { $0 + hessian[row, $1] * x[$1] }
            #expect(isClose(product, b[row], relative: 1e-10, absolute: 1e-9))
        }
        let inverse = try #require(scaled.inverse())
        for row in 0..<3 {
            for column in 0..<3 {
                let terms = (0..<3).map { hessian[row, $0] * inverse[$0, column] }
                // Rounding error of a sum is bounded by ε times the sum of its terms' magnitudes.
                let bound = 1e-10 * terms.reduce(0) { $0 + abs($1) }
                #expect(isClose(terms.reduce(0, +), row == column ? 1 : 0, relative: 0, absolute: bound))
            }
        }
        #expect(scaled.reciprocalCondition > 0.01)
    }
}
