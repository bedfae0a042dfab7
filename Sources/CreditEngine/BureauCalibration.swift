public import CreditRules
import CreditModels
import CreditStats

/// Fits a bureau calibrator (score → PD) from observed outcomes.
public enum BureauCalibration {
    /// A fit that cannot be made.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var problem: String
        public var description: String { problem }
    }

    /// Fits `bureau`'s method to `(score, defaulted)` pairs and returns it with its parameters
    /// set. Isotonic fits are monotone in the direction the bureau implies: PD falls as a score
    /// rises and rises with the collectibility grade. Logistic fits are a one-feature IRLS fit.
    /// - Throws: ``Failure`` with no data, one outcome class, or a fit that did not converge.
    public static func fit(_ bureau: BureauCalibrator, scores: [Double], defaulted: [Bool]) throws(Failure) -> BureauCalibrator {
        guard scores.count == defaulted.count, !scores.isEmpty else { throw Failure(problem: "no rows with a bureau score to fit") }
        guard defaulted.contains(true), defaulted.contains(false) else {
            throw Failure(problem: "the rows with a score hold only one outcome; a calibration needs defaults and non-defaults")
        }
        var fitted = bureau
        switch bureau.method {
        case .isotonic:
            let model: IsotonicRegression
            do {
                model = try IsotonicRegression(x: scores, y: defaulted.map { $0 ? 1 : 0 }, increasing: bureau.kind == .collectibility)
            } catch {
                throw Failure(problem: error.description)
            }
            var points = model.points.map { [$0.x, $0.y] }
            // One distinct score: a flat calibration over the whole range.
            if points.count == 1 { points = [[bureau.minimum, points[0][1]], [bureau.maximum, points[0][1]]] }
            (fitted.points, fitted.intercept, fitted.slope) = (points, nil, nil)
        case .logistic:
            let fit: LogisticFit
            do {
                fit = try LogisticRegression().fit(TrainingData(features: [.init(name: "score", values: .numeric(scores))], events: defaulted))
            } catch {
                throw Failure(problem: "logistic fit failed: \(error)")
            }
            guard fit.report.status == .converged, case .numeric(let slope, _) = fit.model.features[0].encoding else {
                throw Failure(problem: "logistic fit did not converge (\(fit.report.status))")
            }
            (fitted.intercept, fitted.slope, fitted.points) = (fit.model.intercept, slope, nil)
        }
        if let problem = fitted.problem() { throw Failure(problem: "\(problem.field): \(problem.problem)") }
        return fitted
    }
}
