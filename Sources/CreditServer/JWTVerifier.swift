import Crypto
import Foundation

/// Verifies compact JSON Web Tokens (RFC 7519) signed with HS256 or ES256: the signature, `exp`
/// (required), `nbf`, and the configured `iss` and `aud`. Anything else — another algorithm in
/// the header, `none`, a malformed part — is refused.
struct JWTVerifier: Sendable {
    enum Key: Sendable {
        case hmac(SymmetricKey)
        case es256(P256.Signing.PublicKey)
    }

    let key: Key
    let issuer: String?
    let audience: String?
    let defaultRole: ServerConfiguration.Role
    /// Clock skew allowed on `exp` and `nbf`.
    static let leewaySeconds = 30.0

    init(_ configuration: ServerConfiguration.JWT) throws(ConfigurationProblem) {
        switch configuration.algorithm {
        case "HS256":
            guard let text = configuration.secretBase64, let bytes = Data(base64Encoded: text), bytes.count >= 32 else {
                throw ConfigurationProblem("jwt: HS256 needs secretBase64 of at least 32 bytes")
            }
            key = .hmac(SymmetricKey(data: bytes))
        case "ES256":
            guard let pem = configuration.publicKeyPEM, let publicKey = try? P256.Signing.PublicKey(pemRepresentation: pem) else {
                throw ConfigurationProblem("jwt: ES256 needs publicKeyPEM, a P-256 public key in PEM")
            }
            key = .es256(publicKey)
        default:
            throw ConfigurationProblem("jwt: algorithm must be HS256 or ES256")
        }
        issuer = configuration.issuer
        audience = configuration.audience
        defaultRole = configuration.role
    }

    /// Whether `text` has the shape of a compact JWT (three base64url parts).
    static func looksLikeToken(_ text: String) -> Bool {
        text.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }

    /// The principal of a valid token, or nil.
    func verify(_ token: String, now: Date = Date()) -> Principal? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Self.base64URL(parts[0]), let payloadBytes = Self.base64URL(parts[1]),
            let signature = Self.base64URL(parts[2]),
            let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any],
            let claims = try? JSONSerialization.jsonObject(with: payloadBytes) as? [String: Any]
        else { return nil }
        let signed = Data("\(parts[0]).\(parts[1])".utf8)
        switch key {
        case .hmac(let secret):
            guard header["alg"] as? String == "HS256",
                HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: secret)
            else { return nil }
        case .es256(let publicKey):
            guard header["alg"] as? String == "ES256", let raw = try? P256.Signing.ECDSASignature(rawRepresentation: signature),
                publicKey.isValidSignature(raw, for: signed)
            else { return nil }
        }
        let time = now.timeIntervalSince1970
        guard let expiry = (claims["exp"] as? NSNumber)?.doubleValue, time < expiry + Self.leewaySeconds else { return nil }
        if let notBefore = (claims["nbf"] as? NSNumber)?.doubleValue, time + Self.leewaySeconds < notBefore { return nil }
        if let issuer, claims["iss"] as? String != issuer { return nil }
        if let audience {
            let audiences = (claims["aud"] as? [String]) ?? [(claims["aud"] as? String)].compactMap { $0 }
            guard audiences.contains(audience) else { return nil }
        }
        let role: ServerConfiguration.Role
        if let claim = claims["role"] {
            guard let name = claim as? String, let parsed = ServerConfiguration.Role(rawValue: name) else { return nil }
            role = parsed
        } else {
            role = defaultRole
        }
        let subject = claims["sub"] as? String ?? "anonymous"
        return Principal(keyId: "jwt:\(subject)", role: role)
    }

    private static func base64URL(_ part: Substring) -> Data? {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text)
    }
}
