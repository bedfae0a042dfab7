import CreditBatch
import CreditEngine
import CreditTestSupport
import Foundation
import Testing

@Suite("German credit, one-hot categorical features, against statsmodels")
struct GermanCreditParityTests {
    @Test("coefficients, standard errors and log-likelihood through the CSV loader")
    func matchesStatsmodels() async throws {
        let fixture = try Fixture(url: Bundle.module.url(forResource: "statsmodels-german-credit", withExtension: "json", subdirectory: "Fixtures"))
        var options = TrainingFileOptions(path: RepositoryPaths.path("datasets/german_credit.csv"), target: "creditability")
        options.eventLabel = "bad"
        let table = try await TrainingTable.load(options)
        #expect(table.data.count == Int(fixture.number("rows")))
        #expect(table.eventCount == Int(fixture.number("events")))

        let fit = try LogisticRegression().fit(table.data)
        #expect(fit.report.status == .converged)
        #expect(fit.coefficients.map(\.term) == fixture.strings("terms"))
        let coefficients = fixture.tolerance(for: "coefficients")
        let errors = fixture.tolerance(for: "standardErrors")
        let mismatch = firstMismatch(fit.coefficients.map(\.estimate), fixture.numbers("coefficients"),
                                     relative: coefficients.relative, absolute: coefficients.absolute)
        #expect(mismatch == nil, "\(String(describing: mismatch))")
        let errorMismatch = firstMismatch(fit.coefficients.map { $0.standardError ?? .nan }, fixture.numbers("standardErrors"),
                                          relative: errors.relative, absolute: errors.absolute)
        #expect(errorMismatch == nil, "\(String(describing: errorMismatch))")
        #expect(isClose(fit.report.logLikelihood, fixture.number("logLikelihood"), relative: fixture.tolerance(for: "logLikelihood").relative))
    }

    @Test("the data digest is the SHA-256 of the file's bytes")
    func dataDigest() async throws {
        var options = TrainingFileOptions(path: RepositoryPaths.path("datasets/german_credit.csv"), target: "creditability")
        options.eventLabel = "bad"
        let table = try await TrainingTable.load(options)
        // Reference: `sha256sum datasets/german_credit.csv` (GNU coreutils).
        #expect(table.dataSHA256 == "2c0bae00275c028fc853a1ea72cc7a68002c3f6876c41300c5c948711540c8c6")
    }
}
