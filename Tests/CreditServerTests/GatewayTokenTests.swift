import CreditTestSupport
import Foundation
import Testing

/// base64url without padding (RFC 7515 §2).
private func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// A compact RS256 token signed by `openssl dgst` with the PEM private key at `keyPath`: an
/// independent signer.
private func rs256Token(header: [String: Any] = ["alg": "RS256", "typ": "JWT"], claims: [String: Any], keyPath: String) throws -> String {
    let input = base64URL(try JSONSerialization.data(withJSONObject: header)) + "." + base64URL(try JSONSerialization.data(withJSONObject: claims))
    let process = Process()
    let stdin = Pipe(), stdout = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    process.arguments = ["dgst", "-sha256", "-sign", keyPath]
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let signature = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return input + "." + base64URL(signature)
}

/// Runs openssl with `arguments`.
private func openssl(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    process.arguments = arguments
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
}

@Suite("Gateway tokens through jwt-kit: crit, canonical base64url, NumericDates, audience, lifetime, RS256", .timeLimit(.minutes(3)))
struct GatewayTokenTests {
    private func post(_ server: ServerProcess, _ token: String, _ event: String) async throws -> Int {
        try await server.request(
            "POST", "/api/v1/scores", body: ServerProcess.application(event), key: nil,
            headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token)"]
        ).status
    }

    private func post(_ server: InProcessServer, _ token: String, _ event: String) async throws -> Int {
        try await server.request(
            "POST", "/api/v1/scores", body: ServerProcess.application(event), key: nil,
            headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token)"]
        ).status
    }

    @Test("HS256: crit headers, non-canonical parts, string dates, a too-long life and a future iat are refused")
    func hs256Refusals() async throws {
        try await InProcessServer.run(overrides: [
            "jwt": ["algorithm": "HS256", "secretBase64": ServerProcess.jwtSecret.base64EncodedString(), "issuer": "gateway",
                    "audience": "credit-engine", "role": "scorer", "maximumLifetimeSeconds": 900],
        ]) { server async throws in
            let now = Date().timeIntervalSince1970
            let valid: [String: Any] = ["iss": "gateway", "aud": ["credit-engine", "other"], "sub": "loan-service", "exp": now + 300, "iat": now]
            #expect(try await post(server, try ServerTests.token(valid), "evt-h1") == 201)
            // A header naming a critical extension the service does not understand.
            #expect(try await post(server, try ServerTests.token(valid, header: ["crit": ["exp"]]), "evt-h2") == 401)
            // The same signature with stray bits in its last character, and with padding.
            let token = try ServerTests.token(valid)
            let last = token.last!
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            let index = alphabet.firstIndex(of: last)!
            let strayBits = String(token.dropLast()) + String(alphabet[index ^ 1])
            #expect(strayBits != token)
            #expect(try await post(server, strayBits, "evt-h3") == 401)
            #expect(try await post(server, token + "=", "evt-h4") == 401)
            // Dates that are not NumericDates.
            var stringDate = valid
            stringDate["exp"] = "\(Int(now + 300))"
            #expect(try await post(server, try ServerTests.token(stringDate), "evt-h5") == 401)
            // Lives longer than 900 s, no iat while a maximum is set, issued in the future.
            var longLived = valid
            longLived["exp"] = now + 3600
            #expect(try await post(server, try ServerTests.token(longLived), "evt-h6") == 401)
            var noIssuedAt = valid
            noIssuedAt["iat"] = nil
            #expect(try await post(server, try ServerTests.token(noIssuedAt), "evt-h7") == 401)
            var future = valid
            future["iat"] = now + 600
            #expect(try await post(server, try ServerTests.token(future), "evt-h8") == 401)
            // No audience at all.
            var noAudience = valid
            noAudience["aud"] = nil
            #expect(try await post(server, try ServerTests.token(noAudience), "evt-h9") == 401)
        }
    }

    @Test("RS256 tokens (as behind Kong) are verified with the configured public key; HS256 signed with that key is refused")
    func rs256() async throws {
        let directory = try TemporaryDirectory()
        let privateKey = directory.path("gateway.pem"), publicKey = directory.path("gateway.pub.pem")
        try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", privateKey])
        try openssl(["pkey", "-in", privateKey, "-pubout", "-out", publicKey])
        let pem = try String(contentsOfFile: publicKey, encoding: .utf8)
        let server = try ServerProcess(directory: directory, overrides: [
            "jwt": ["algorithm": "RS256", "publicKeyPEM": pem, "issuer": "kong", "audience": "credit-engine", "role": "scorer"],
        ])
        let now = Date().timeIntervalSince1970
        let claims: [String: Any] = ["iss": "kong", "aud": "credit-engine", "sub": "loan-service", "exp": now + 300]
        #expect(try await post(server, try rs256Token(claims: claims, keyPath: privateKey), "evt-r1") == 201)
        var other = claims
        other["aud"] = "someone-else"
        #expect(try await post(server, try rs256Token(claims: other, keyPath: privateKey), "evt-r2") == 401)
        // Key confusion: an HS256 token whose secret is the public key's PEM.
        #expect(try await post(server, try ServerTests.token(claims, secret: Data(pem.utf8)), "evt-r3") == 401)
        #expect(try await post(server, try rs256Token(header: ["alg": "none"], claims: claims, keyPath: privateKey), "evt-r4") == 401)
        #expect(server.stop() == 0)
    }

    @Test("a gateway configuration without an audience is refused at start-up")
    func audienceRequired() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: ServerProcess.ServerStartFailure.self) {
            try ServerProcess(directory: directory, overrides: [
                "jwt": ["algorithm": "HS256", "secretBase64": ServerProcess.jwtSecret.base64EncodedString(), "role": "scorer"],
            ])
        }
        let log = (try? String(contentsOfFile: directory.path("server.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("jwt: audience is required"), "\(log)")
    }
}
