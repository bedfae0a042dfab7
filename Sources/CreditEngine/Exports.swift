// CreditEngine is the umbrella of the pure modules: importing it gives the whole vocabulary.
@_exported public import CreditCore
@_exported public import CreditModels
@_exported public import CreditStats
@_exported public import CreditRules
