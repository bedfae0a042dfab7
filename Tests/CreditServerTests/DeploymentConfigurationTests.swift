import CreditTestSupport
import Foundation
import Testing

/// What the Kubernetes manifests rely on: API keys from a mounted Secret file, and a
/// configuration check before a rollout.
@Suite("serving configuration as deployed: keys from a Secret file, serve --check")
struct DeploymentConfigurationTests {
    /// Writes `keys` as an API keys file (the Secret's `api-keys.json`) into `directory`.
    private func writeKeys(_ keys: Any, in directory: TemporaryDirectory) throws {
        try JSONSerialization.data(withJSONObject: keys).write(to: URL(fileURLWithPath: directory.path("api-keys.json")))
    }

    private func digest(_ key: String) -> String {
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        (run.standardInput, run.standardOutput) = (input, output)
        try? run.run()
        input.fileHandleForWriting.write(Data(key.utf8))
        try? input.fileHandleForWriting.close()
        run.waitUntilExit()
        return String(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
    }

    @Test("API keys read from apiKeysFile (and none in the configuration) authenticate callers with their roles")
    func keysFromFile() async throws {
        let directory = try TemporaryDirectory()
        try writeKeys([["id": "loan-service", "sha256": digest("file-scorer-key"), "role": "scorer"],
                       ["id": "analyst", "sha256": digest("file-reader-key"), "role": "reader"]], in: directory)
        let server = try ServerProcess(directory: directory, overrides: ["apiKeys": NSNull(), "apiKeysFile": "api-keys.json"])
        defer { _ = server.stop() }
        let scored = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("file-key-1"), key: "file-scorer-key")
        #expect(scored.status == 201, "\(scored.text)")
        let reader = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("file-key-2"), key: "file-reader-key")
        #expect(reader.status == 403)
        let configured = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("file-key-3"), key: ServerProcess.scorerKey)
        #expect(configured.status == 401, "keys of the configuration were removed")
    }

    @Test("serve --check reports what would be served and exits 0; a bad keys file, duplicate key ids or a PostgreSQL URL exit 65 naming the problem")
    func check() throws {
        let directory = try TemporaryDirectory()
        let config = try ServerProcess.writeConfiguration(in: directory)
        let valid = try credit(["serve", "--config", config, "--check"])
        #expect(valid.status == 0, "\(valid.stderr)")
        #expect(valid.stdout.contains("configuration valid: pd-german-credit-scorecard@1.0.0+policy-id-online-lending@1.0.0 on 127.0.0.1:0, 3 API keys"),
                "\(valid.stdout)")

        try writeKeys(["id": "not-an-array"], in: directory)
        let notArray = try credit(["serve", "--config", try ServerProcess.writeConfiguration(in: directory, overrides: ["apiKeysFile": "api-keys.json"]), "--check"])
        #expect(notArray.status == 65)
        #expect(notArray.stderr.contains("api-keys.json: ") && notArray.stderr.contains("expected an array of API keys"), "\(notArray.stderr)")

        try writeKeys([["id": "loan-service", "sha256": digest("other"), "role": "reader"]], in: directory)
        let duplicate = try credit(["serve", "--config", try ServerProcess.writeConfiguration(in: directory, overrides: ["apiKeysFile": "api-keys.json"]), "--check"])
        #expect(duplicate.status == 65)
        #expect(duplicate.stderr.contains("apiKeys: two keys have one id"), "\(duplicate.stderr)")

        let missing = try credit(["serve", "--config", try ServerProcess.writeConfiguration(in: directory, overrides: ["apiKeysFile": "nowhere.json"]), "--check"])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("apiKeysFile cannot be read"), "\(missing.stderr)")

        let postgres = try credit(["serve", "--config", try ServerProcess.writeConfiguration(
            in: directory, overrides: ["store": "postgresql://credit@127.0.0.1:5432/credit", "createStore": NSNull()]), "--check"])
        #expect(postgres.status == 0, "\(postgres.stderr)")
        let badMode = try credit(["serve", "--config", try ServerProcess.writeConfiguration(
            in: directory, overrides: ["store": "postgresql://credit@127.0.0.1:5432/credit?sslmode=on", "createStore": NSNull()]), "--check"])
        #expect(badMode.status == 65)
        #expect(badMode.stderr.contains("sslmode must be disable, allow, prefer, require, verify-ca or verify-full"), "\(badMode.stderr)")
        let poolOnSQLite = try credit(["serve", "--config", try ServerProcess.writeConfiguration(
            in: directory, overrides: ["postgres": ["poolSize": 4]]), "--check"])
        #expect(poolOnSQLite.status == 65)
        #expect(poolOnSQLite.stderr.contains("apply to a PostgreSQL store only"), "\(poolOnSQLite.stderr)")

        let badModel = try credit(["serve", "--config", try ServerProcess.writeConfiguration(in: directory, overrides: ["model": "missing.json"]), "--check"])
        #expect(badModel.status != 0)
        #expect(!badModel.stdout.contains("configuration valid"))
    }
}
