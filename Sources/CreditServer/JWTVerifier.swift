import Foundation
import JWTKit

/// The claims of a gateway token. Every date is a NumericDate (a JSON number): a string `exp`,
/// `nbf` or `iat` fails to decode and the token is refused.
private struct GatewayClaims: JWTPayload {
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var sub: SubjectClaim?
    /// `scorer`, `reader` or `admin`, set by the gateway.
    var role: String?

    /// The time claims are checked by ``JWTVerifier`` against the configuration, with leeway.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Verifies the gateway's compact JSON Web Tokens (RFC 7519) with vapor/jwt-kit: HS256, ES256 or
/// RS256, one algorithm per configuration. On top of jwt-kit's signature check it refuses:
/// a header whose `alg` is not the configured one (`none` and key confusion included), a `crit`
/// header (RFC 7515 §4.1.11: no extension is understood here), any part that is not canonical
/// base64url, an expired or not-yet-valid token (30 s leeway), a token for another issuer or
/// audience (the audience is required), and a lifetime (`exp` − `iat`) over the configured
/// maximum.
struct JWTVerifier: Sendable {
    private let keys: JWTKeyCollection
    private let algorithm: String
    private let issuer: String?
    private let audience: String
    private let maximumLifetimeSeconds: Double?
    private let defaultRole: ServerConfiguration.Role
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    static let leewaySeconds = 30.0

    /// A verifier for `configuration`.
    /// - Throws: ``ConfigurationProblem`` for a missing or unusable key, an unknown algorithm, or
    ///   no audience.
    static func make(_ configuration: ServerConfiguration.JWT) async throws(ConfigurationProblem) -> JWTVerifier {
        guard let audience = configuration.audience, !audience.isEmpty else {
            throw ConfigurationProblem("jwt: audience is required (the aud value tokens for this service carry)")
        }
        if let lifetime = configuration.maximumLifetimeSeconds, !(lifetime.isFinite && lifetime > 0) {
            throw ConfigurationProblem("jwt: maximumLifetimeSeconds must be a number above 0")
        }
        let keys = JWTKeyCollection()
        switch configuration.algorithm {
        case "HS256":
            guard let text = configuration.secretBase64, let bytes = Data(base64Encoded: text), bytes.count >= 32 else {
                throw ConfigurationProblem("jwt: HS256 needs secretBase64 of at least 32 bytes")
            }
            await keys.add(hmac: HMACKey(from: bytes), digestAlgorithm: .sha256)
        case "ES256":
            guard let pem = configuration.publicKeyPEM, let key = try? ES256PublicKey(pem: pem) else {
                throw ConfigurationProblem("jwt: ES256 needs publicKeyPEM, a P-256 public key in PEM")
            }
            await keys.add(ecdsa: key)
        case "RS256":
            guard let pem = configuration.publicKeyPEM, let key = try? Insecure.RSA.PublicKey(pem: pem) else {
                throw ConfigurationProblem("jwt: RS256 needs publicKeyPEM, an RSA public key (2048 bits or more) in PEM")
            }
            await keys.add(rsa: key, digestAlgorithm: .sha256)
        default:
            throw ConfigurationProblem("jwt: algorithm must be HS256, ES256 or RS256")
        }
        return JWTVerifier(
            keys: keys, algorithm: configuration.algorithm, issuer: configuration.issuer, audience: audience,
            maximumLifetimeSeconds: configuration.maximumLifetimeSeconds, defaultRole: configuration.role)
    }

    /// Whether `text` has the shape of a compact JWT (three parts).
    static func looksLikeToken(_ text: String) -> Bool {
        text.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }

    /// The principal of a valid token, or nil.
    func verify(_ token: String, now: Date = Date()) async -> Principal? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Self.canonicalBase64URL(parts[0]), Self.canonicalBase64URL(parts[1]) != nil,
            Self.canonicalBase64URL(parts[2]) != nil,
            let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any],
            header["alg"] as? String == algorithm, header["crit"] == nil,
            let claims = try? await keys.verify(token, as: GatewayClaims.self)
        else { return nil }
        let time = now.timeIntervalSince1970
        let expiry = claims.exp.value.timeIntervalSince1970
        guard time < expiry + Self.leewaySeconds else { return nil }
        if let notBefore = claims.nbf?.value.timeIntervalSince1970, time + Self.leewaySeconds < notBefore { return nil }
        if let issuedAt = claims.iat?.value.timeIntervalSince1970, time + Self.leewaySeconds < issuedAt { return nil }
        if let maximumLifetimeSeconds {
            guard let issuedAt = claims.iat?.value.timeIntervalSince1970, expiry - issuedAt <= maximumLifetimeSeconds else { return nil }
        }
        if let issuer, claims.iss?.value != issuer { return nil }
        guard claims.aud?.value.contains(audience) == true else { return nil }
        let role: ServerConfiguration.Role
        if let name = claims.role {
            guard let parsed = ServerConfiguration.Role(rawValue: name) else { return nil }
            role = parsed
        } else {
            role = defaultRole
        }
        return Principal(keyId: "jwt:\(claims.sub?.value ?? "anonymous")", role: role)
    }

    /// The bytes of a base64url part (RFC 7515 §2: no padding) when it is written the one
    /// canonical way: only the alphabet, and no stray bits in its last character.
    private static func canonicalBase64URL(_ part: Substring) -> Data? {
        guard part.utf8.allSatisfy({ byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }) else { return nil }
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        let again = data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return again == part ? data : nil
    }
}
