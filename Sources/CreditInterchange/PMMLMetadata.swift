import CreditEngine
import FoundationEssentials

/// What a CreditEngine model file holds that PMML has no element for, carried in the exported
/// PMML's `Header` as an `Extension` (which other consumers ignore), so an import gives back the
/// model's identity, target, scaling and reason texts: the model's ids, the target column and its
/// event label, the scaling, the logistic target, and each characteristic's reason texts.
struct PMMLMetadata: Codable, Equatable {
    static let extensionName = "creditengine-model"

    var modelId: String
    var modelVersion: String
    var targetColumn: String
    var event: String
    var baseScore: Double
    var baseOdds: Double
    var pointsToDoubleOdds: Double
    /// Scorecards: the intercept of the logistic model on WoE, and each characteristic's reason texts.
    var scorecardIntercept: Double?
    var reasons: [ReasonCode]?

    init(_ file: ModelFile) {
        modelId = file.modelId
        modelVersion = file.modelVersion
        targetColumn = file.target.column
        event = file.target.event
        baseScore = file.scaling.baseScore
        baseOdds = file.scaling.baseOdds
        pointsToDoubleOdds = file.scaling.pointsToDoubleOdds
        scorecardIntercept = file.scorecard?.intercept
        reasons = file.scorecard?.characteristics.map(\.reason)
    }

    func json() throws(InterchangeError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return String(decoding: try encoder.encode(self), as: UTF8.self) } catch {
            throw .unsupported(path: "scaling", detail: "a number of the model is not finite")
        }
    }
}
