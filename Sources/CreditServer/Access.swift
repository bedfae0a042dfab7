import Crypto
import Foundation
import Synchronization

/// A caller that presented a valid API key.
struct Principal: Sendable {
    var keyId: String
    var role: ServerConfiguration.Role

    func may(_ required: ServerConfiguration.Role) -> Bool {
        switch required {
        case .reader: return true
        case .scorer: return role == .scorer || role == .admin
        case .admin: return role == .admin
        }
    }
}

/// API keys, checked by their SHA-256 in constant time against every configured key (so the time
/// taken does not depend on which key, or how much of it, matched), with a per-key token bucket.
final class AccessControl: Sendable {
    private struct Entry: Sendable {
        var id: String
        var digest: [UInt8]
        var role: ServerConfiguration.Role
        var rate: Double
        var burst: Double
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let entries: [Entry]
    private let jwt: JWTVerifier?
    private let jwtRate: (rate: Double, burst: Double)
    private let buckets: Mutex<[String: Bucket]> = Mutex([:])
    /// Failed authentications per client address (default: a burst of 20, then 2 a second).
    private let failures: Mutex<[String: Bucket]> = Mutex([:])
    private let failureLimits: (rate: Double, burst: Double)
    /// Addresses remembered at most; past it, addresses whose bucket has refilled are forgotten.
    private static let maximumAddresses = 10_000

    init(
        keys: [ServerConfiguration.APIKey], jwt configuration: ServerConfiguration.JWT? = nil,
        failedAuthentication: ServerConfiguration.RateLimit? = nil
    ) async throws(ConfigurationProblem) {
        failureLimits = (failedAuthentication?.ratePerSecond ?? 2, failedAuthentication?.burst ?? 20)
        if let configuration { jwt = try await JWTVerifier.make(configuration) } else { jwt = nil }
        jwtRate = (configuration?.ratePerSecond ?? 200, configuration?.burst ?? 400)
        entries = keys.map { key in
            let digits = Array(key.sha256.lowercased().utf8)
            let bytes = stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
            return Entry(id: key.id, digest: bytes, role: key.role, rate: key.ratePerSecond ?? 200, burst: key.burst ?? 400)
        }
    }

    /// The principal of a bearer credential: a JWT when verification is configured and the value
    /// has a token's shape, else an API key.
    func authenticate(bearer: String) async -> Principal? {
        if let jwt, JWTVerifier.looksLikeToken(bearer) { return await jwt.verify(bearer) }
        return authenticate(bearer)
    }

    /// The principal of a presented key, or nil.
    func authenticate(_ presented: String) -> Principal? {
        let digest = Array(SHA256.hash(data: Data(presented.utf8)))
        var match: Entry?
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
            if difference == 0 { match = entry }
        }
        return match.map { Principal(keyId: $0.id, role: $0.role) }
    }

    /// The seconds a client address must wait before it may try a credential again, when its
    /// failed attempts used up its allowance; nil when it may try now.
    func failureWait(address: String, now: ContinuousClock.Instant = .now) -> Int? {
        failures.withLock { buckets -> Int? in
            guard var bucket = buckets[address] else { return nil }
            Self.refill(&bucket, limits: failureLimits, now: now)
            buckets[address] = bucket
            return bucket.tokens >= 1 ? nil : max(1, Int(((1 - bucket.tokens) / failureLimits.rate).rounded(.up)))
        }
    }

    /// Counts a failed authentication from `address`.
    func recordFailure(address: String, now: ContinuousClock.Instant = .now) {
        failures.withLock { buckets in
            if buckets.count >= Self.maximumAddresses {
                for (key, var bucket) in buckets {
                    Self.refill(&bucket, limits: failureLimits, now: now)
                    if bucket.tokens >= failureLimits.burst { buckets[key] = nil }
                }
            }
            var bucket = buckets[address] ?? Bucket(tokens: failureLimits.burst, updated: now)
            Self.refill(&bucket, limits: failureLimits, now: now)
            bucket.tokens = max(0, bucket.tokens - 1)
            buckets[address] = bucket
        }
    }

    /// Adds the tokens earned since the bucket was last updated.
    private static func refill(_ bucket: inout Bucket, limits: (rate: Double, burst: Double), now: ContinuousClock.Instant) {
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(limits.burst, bucket.tokens + seconds * limits.rate)
        bucket.updated = now
    }

    /// Takes one token from the key's bucket; returns the seconds to wait when it is empty.
    func admit(_ principal: Principal, now: ContinuousClock.Instant = .now) -> Int? {
        let limits: (rate: Double, burst: Double)
        if let entry = entries.first(where: { $0.id == principal.keyId }) {
            limits = (entry.rate, entry.burst)
        } else if principal.keyId.hasPrefix("jwt:") {
            limits = jwtRate
        } else {
            return nil
        }
        return buckets.withLock { buckets -> Int? in
            var bucket = buckets[principal.keyId] ?? Bucket(tokens: limits.burst, updated: now)
            Self.refill(&bucket, limits: limits, now: now)
            defer { buckets[principal.keyId] = bucket }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / limits.rate).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
    }
}
