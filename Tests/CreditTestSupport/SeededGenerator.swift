/// A seeded, deterministic random number generator for tests: a 64-bit linear congruential
/// generator (Knuth's MMIX constants), so a seed gives the same values on every machine and run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 bits.
    public mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }

    /// A whole number in `0 ..< bound`, from the high (better mixed) bits.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "the bound must be positive")
        return Int((next() >> 33) % UInt64(bound))
    }
}
