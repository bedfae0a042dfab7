/// An option value outside its documented range, reported when a component is configured.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The option's name, as documented (`maxIterations`, `l2Penalty`).
    public var name: String
    /// The rejected value, rendered as text.
    public var value: String
    /// What the value must satisfy (`must be a finite number >= 0`).
    public var requirement: String

    /// Creates an error for option `name`.
    public init(name: String, value: String, requirement: String) {
        self.name = name
        self.value = value
        self.requirement = requirement
    }

    public var description: String { "invalid option \(name) = \(value): \(requirement)" }
}
