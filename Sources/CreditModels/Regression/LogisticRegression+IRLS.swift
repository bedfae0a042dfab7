import CreditCore
import CreditLinearAlgebra
import RealModule

/// The Newton/IRLS iterations of ``LogisticRegression``, one step per method so each can be read
/// and tested alone: ``evaluate(_:)`` (gradient and Hessian), ``newtonStep(_:)`` (Cholesky
/// solve of the Jacobi-scaled Hessian and a unit-free condition check),
/// ``lineSearch(from:step:decrement:)`` (step halving with the Armijo condition) and
/// ``finish(beta:status:iterations:)`` (standard errors from the inverse Hessian, for
/// statsmodels parity).
///
/// Verdicts: collinearity is judged on the scaled Hessian, so it never depends on units.
/// Separation is reported when a categorical level has only one outcome, when the iterations
/// stop with saturated rows, or when the decrement test passes while the Newton step still
/// moves the coefficients (no finite maximum); a converged fit with a few rows predicted at
/// probability 0 or 1 (an outlier on a good loan) stays converged and counts them in
/// ``FitReport/saturatedObservations``, as statsmodels and R's `glm` warn.
struct IRLSSolver {
    /// Log-likelihood, gradient and Hessian at one coefficient vector.
    struct Evaluation {
        var logLikelihood = 0.0
        /// `logLikelihood - λ/2 Σ βⱼ²` (no penalty on the intercept).
        var penalizedLogLikelihood = 0.0
        var gradient: [Double]
        var hessian: Matrix
        /// Observations predicted with probability numerically 0 or 1 on their own side.
        var saturated = 0
    }

    /// |η| beyond which a probability is numerically 0 or 1 (10 ε, R's `glm.fit` threshold).
    static let saturationThreshold = 33.7

    let design: Design
    let events: [Bool]
    let weights: [Double]?
    let options: IRLSOptions
    let totalWeight: Double
    private var workspace = GramWorkspace()
    private(set) var linearPredictors: [Double]
    private var workingWeights: [Double]
    private var residuals: [Double]

    init(design: Design, events: [Bool], weights: [Double]?, options: IRLSOptions) {
        self.design = design
        self.events = events
        self.weights = weights
        self.options = options
        self.totalWeight = weights?.reduce(0, +) ?? Double(events.count)
        let n = design.observationCount
        linearPredictors = Array(repeating: 0, count: n)
        workingWeights = Array(repeating: 0, count: n)
        residuals = Array(repeating: 0, count: n)
    }

    // MARK: - Steps

    /// Log-likelihood, gradient `Xᵀ s(y − p) − λβ` and Hessian `Xᵀ diag(s p (1 − p)) X + λI` at `beta`.
    mutating func evaluate(_ beta: [Double]) -> Evaluation {
        let p = design.termCount
        BLAS.gemv(design.transposed, transposed: true, x: beta, y: &linearPredictors)
        var evaluation = Evaluation(
            gradient: Array(repeating: 0, count: p),
            hessian: Matrix(rows: p, columns: p)
        )
        var logLikelihood = 0.0
        var saturated = 0
        for i in linearPredictors.indices {
            let weight = weights?[i] ?? 1
            let eta = linearPredictors[i]
            let probability = LogisticFunctions.sigmoid(eta)
            let complement = LogisticFunctions.sigmoid(-eta)
            workingWeights[i] = weight * probability * complement
            if events[i] {
                residuals[i] = weight * complement
                logLikelihood += weight * LogisticFunctions.logSigmoid(eta)
            } else {
                residuals[i] = -weight * probability
                logLikelihood += weight * LogisticFunctions.logSigmoid(-eta)
            }
            if abs(eta) > Self.saturationThreshold, (eta > 0) == events[i] { saturated += 1 }
        }
        BLAS.gemv(design.transposed, transposed: false, x: residuals, y: &evaluation.gradient)
        BLAS.accumulateWeightedGram(of: design.transposed, weights: workingWeights, into: &evaluation.hessian, workspace: &workspace)
        evaluation.hessian.symmetrizeFromUpper()
        var penalty = 0.0
        if options.l2Penalty > 0 {
            for j in 1..<p {
                evaluation.gradient[j] -= options.l2Penalty * beta[j]
                evaluation.hessian[j, j] += options.l2Penalty
                penalty += beta[j] * beta[j]
            }
        }
        evaluation.logLikelihood = logLikelihood
        evaluation.penalizedLogLikelihood = logLikelihood - options.l2Penalty / 2 * penalty
        evaluation.saturated = saturated
        return evaluation
    }

    /// The Newton step `H⁻¹g` and the factorization, or the status that stops the fit.
    func newtonStep(_ evaluation: Evaluation) -> Result<(step: [Double], factor: ScaledHessian), StopReason> {
        guard let factor = try? ScaledHessian(evaluation.hessian) else {
            return .failure(.singularHessian(reciprocalCondition: 0))
        }
        guard factor.reciprocalCondition >= options.minReciprocalCondition else {
            return .failure(.singularHessian(reciprocalCondition: factor.reciprocalCondition))
        }
        return .success((factor.solve(evaluation.gradient), factor))
    }

    /// Halves the step until the penalized log-likelihood rises by the Armijo amount
    /// (`c = 1e-4`, with an allowance of 1e-13 relative for rounding), or gives up.
    mutating func lineSearch(
        from current: (beta: [Double], evaluation: Evaluation), step: [Double], decrement: Double
    ) -> (beta: [Double], evaluation: Evaluation)? {
        var scale = 1.0
        while scale >= 1e-10 {
            let candidate = zip(current.beta, step).map { $0 + scale * $1 }
            let evaluation = evaluate(candidate)
            let required = current.evaluation.penalizedLogLikelihood + 1e-4 * scale * decrement
                - 1e-13 * abs(current.evaluation.penalizedLogLikelihood)
            if evaluation.penalizedLogLikelihood >= required { return (candidate, evaluation) }
            scale /= 2
        }
        return nil
    }

    enum StopReason: Error {
        case singularHessian(reciprocalCondition: Double)
    }

    // MARK: - Driver

    mutating func run() -> LogisticFit {
        let p = design.termCount
        var beta = Array(repeating: 0.0, count: p)
        let eventWeight = zip(events, weights ?? Array(repeating: 1, count: events.count))
            .reduce(0.0) { $0 + ($1.0 ? $1.1 : 0) }
        let rate = min(max(eventWeight / totalWeight, 1e-12), 1 - 1e-12)
        beta[0] = Double.log(rate / (1 - rate))
        var current = (beta: beta, evaluation: evaluate(beta))
        var iterations = 0
        while true {
            let evaluation = current.evaluation
            switch newtonStep(evaluation) {
            case .failure(.singularHessian(let rcond)):
                return finish(beta: current.beta, status: stalledStatus(evaluation, rcond), iterations: iterations)
            case .success(let (step, _)):
                let decrement = zip(evaluation.gradient, step).reduce(0) { $0 + $1.0 * $1.1 }
                if decrement / totalWeight <= options.tolerance {
                    let final = zip(current.beta, step).map { $0 + $1 }
                    let status = evaluation.saturated > 0 && isStillMoving(beta: current.beta, step: step)
                        ? separation(beta: final) : .converged
                    return finish(beta: final, status: status, iterations: iterations + 1)
                }
                guard iterations < options.maxIterations else {
                    let status: FitReport.Status = evaluation.saturated > 0 ? separation(beta: current.beta) : .iterationLimit
                    return finish(beta: current.beta, status: status, iterations: iterations)
                }
                iterations += 1
                guard let next = lineSearch(from: current, step: step, decrement: decrement) else {
                    let rcond = (try? ScaledHessian(evaluation.hessian))?.reciprocalCondition ?? 0
                    return finish(beta: current.beta, status: stalledStatus(evaluation, rcond), iterations: iterations)
                }
                current = next
            }
        }
    }

    private func stalledStatus(_ evaluation: Evaluation, _ rcond: Double) -> FitReport.Status {
        if evaluation.saturated > 0 { return separation(beta: nil) }
        let terms = ScaledHessian.dependentTerms(of: evaluation.hessian, minReciprocalCondition: options.minReciprocalCondition)
        return .illConditioned(reciprocalCondition: rcond, terms: terms.map { design.terms[$0].name })
    }

    /// Whether the Newton step that passed the decrement test still changes a coefficient by more
    /// than 10⁻⁴ of its size: at a finite maximum the step is tiny (quadratic convergence); along
    /// a separating direction the Hessian vanishes with the gradient and the step stays near 1.
    private func isStillMoving(beta: [Double], step: [Double]) -> Bool {
        zip(beta, step).dropFirst().contains { abs($1) > 1e-4 * max(abs($0), 1) }
    }

    /// The first categorical level (in term order, reference levels included) whose rows all
    /// have one outcome: quasi-complete separation that no amount of iteration resolves.
    private func pureLevel() -> String? {
        for feature in design.features {
            guard case .categorical(let labels) = feature.values else { continue }
            var counts: [String: (events: Double, nonEvents: Double)] = [:]
            for (i, label) in labels.enumerated() {
                let weight = weights?[i] ?? 1
                guard weight > 0 else { continue }
                if events[i] { counts[label, default: (0, 0)].events += weight } else { counts[label, default: (0, 0)].nonEvents += weight }
            }
            let pure = counts.filter { $0.value.events == 0 || $0.value.nonEvents == 0 }.keys
            if let level = pure.min(by: { $0.precedesInByteOrder($1) }) { return "\(feature.name)=\(level)" }
        }
        return nil
    }

    /// Separation, naming the term with the largest `|βⱼ| · sd(xⱼ)`: the direction that dominates η.
    private func separation(beta: [Double]?) -> FitReport.Status {
        guard let beta else { return .separation(feature: nil) }
        let n = design.observationCount
        let p = design.termCount
        var best: (term: Int, size: Double)?
        for j in 1..<p {
            var sum = 0.0
            var sumSquares = 0.0
            for i in 0..<n {
                let x = design.transposed[j, i]
                sum += x
                sumSquares += x * x
            }
            let variance = max(sumSquares / Double(n) - (sum / Double(n)) * (sum / Double(n)), 0)
            let size = abs(beta[j]) * variance.squareRoot()
            if size > (best?.size ?? -1) { best = (j, size) }
        }
        return .separation(feature: best.map { design.terms[$0.term].name })
    }

    /// Evaluates at the final estimates and computes standard errors from the inverse Hessian.
    private mutating func finish(beta: [Double], status: FitReport.Status, iterations: Int) -> LogisticFit {
        let evaluation = evaluate(beta)
        let finalStatus = pureLevel().map { FitReport.Status.separation(feature: $0) } ?? status
        let factor = try? ScaledHessian(evaluation.hessian)
        let inverse = factor?.inverse()
        let gradientMax = evaluation.gradient.reduce(0) { max($0, abs($1)) } / totalWeight
        let coefficients = design.terms.indices.map { j in
            let standardError = inverse.map { max($0[j, j], 0).squareRoot() }
            return CoefficientEstimate(
                term: design.terms[j].name,
                estimate: beta[j],
                standardError: standardError,
                pValue: standardError.map { Double.erfc(abs(beta[j] / $0) / 2.0.squareRoot()) }
            )
        }
        let report = FitReport(
            status: finalStatus,
            iterations: iterations,
            logLikelihood: evaluation.logLikelihood,
            gradientMaxNorm: gradientMax,
            reciprocalCondition: factor?.reciprocalCondition ?? 0,
            saturatedObservations: evaluation.saturated
        )
        return LogisticFit(
            model: makeModel(beta),
            report: report,
            coefficients: coefficients,
            trainingLinearPredictors: linearPredictors
        )
    }

    /// The scoring model: numeric coefficients, and every level with the reference at 0.
    private func makeModel(_ beta: [Double]) -> LogisticModel {
        var features: [ModelFeature] = []
        var column = 1
        for (index, feature) in design.features.enumerated() {
            switch feature.values {
            case .numeric:
                features.append(ModelFeature(name: feature.name, encoding: .numeric(coefficient: beta[column], missing: .reject)))
                column += 1
            case .categorical:
                let levels = design.levels[index]
                let coded = levels.enumerated().map { position, level in
                    ModelFeature.Level(value: level, coefficient: position == 0 ? 0 : beta[column + position - 1])
                }
                features.append(ModelFeature(
                    name: feature.name,
                    encoding: .categorical(reference: levels[0], levels: coded, missing: .reject, unknown: .reject)
                ))
                column += levels.count - 1
            }
        }
        do {
            return try LogisticModel(intercept: beta[0], features: features)
        } catch {
            // Non-finite estimates only arise from a diverged fit; keep the report truthful.
            preconditionFailure("fitted model is inconsistent: \(error)")
        }
    }
}
