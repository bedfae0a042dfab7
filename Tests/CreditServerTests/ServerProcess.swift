import CreditTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `credit serve` process on 127.0.0.1 with an ephemeral port, its own store and keys.
final class ServerProcess: @unchecked Sendable {
    static let scorerKey = "scorer-key-0123456789abcdef"
    static let readerKey = "reader-key-0123456789abcdef"
    static let limitedKey = "limited-key-0123456789abcdef"

    let directory: TemporaryDirectory
    let process = Process()
    private(set) var port = 0
    var storePath: String { directory.path("store.sqlite") }
    var keyPath: String { directory.path("store.key") }
    var log: String { (try? String(contentsOfFile: directory.path("server.log"), encoding: .utf8)) ?? "" }

    /// The HS256 secret of the test configuration's gateway tokens.
    static let jwtSecret = Data((0..<32).map { UInt8(($0 * 13 + 7) % 256) })

    /// Writes the test configuration `server.json` (and a store key) into `directory` and returns
    /// its path. `overrides` replace top-level entries of the configuration (a key mapped to
    /// `NSNull()` is removed).
    static func writeConfiguration(in directory: TemporaryDirectory, overrides: [String: Any] = [:], apiKeyOverrides: [String: Any] = [:]) throws -> String {
        let keyPath = directory.path("store.key")
        if !FileManager.default.fileExists(atPath: keyPath) {
            try Data((0..<32).map { UInt8(($0 * 37 + 11) % 256) }).base64EncodedString().write(toFile: keyPath, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
        }
        func digest(_ key: String) throws -> String {
            let run = Process()
            run.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            let input = Pipe(), output = Pipe()
            (run.standardInput, run.standardOutput) = (input, output)
            try run.run()
            input.fileHandleForWriting.write(Data(key.utf8))
            try input.fileHandleForWriting.close()
            run.waitUntilExit()
            return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")[0].description
        }
        var configuration: [String: Any] = [
            "jwt": ["algorithm": "HS256", "secretBase64": Self.jwtSecret.base64EncodedString(), "issuer": "gateway",
                    "audience": "credit-engine", "role": "scorer"],
            "host": "127.0.0.1", "port": 0,
            "model": RepositoryPaths.path("models/pd-german-credit-scorecard/1.0.0/model.json"),
            "policy": RepositoryPaths.path("models/policy-id-online-lending/1.0.0/policy.json"),
            "store": "store.sqlite", "createStore": true, "storeKeyFile": "store.key", "maxBodyBytes": 16384, "logLevel": "info",
            // Idle keep-alive connections (URLSession's pool) are closed 1 s into a shutdown, not 5.
            "connections": ["drainSeconds": 1],
            "apiKeys": [
                ["id": "loan-service", "sha256": try digest(ServerProcess.scorerKey), "role": "scorer", "ratePerSecond": 10000, "burst": 10000],
                ["id": "analyst", "sha256": try digest(ServerProcess.readerKey), "role": "reader"],
                ["id": "limited", "sha256": try digest(ServerProcess.limitedKey), "role": "scorer", "ratePerSecond": 0.001, "burst": 2]
                    .merging(apiKeyOverrides) { $1 },
            ],
        ]
        for (key, value) in overrides { configuration[key] = value is NSNull ? nil : value }
        try JSONSerialization.data(withJSONObject: configuration).write(to: URL(fileURLWithPath: directory.path("server.json")))
        return directory.path("server.json")
    }

    /// Starts `credit serve` with ``writeConfiguration(in:overrides:apiKeyOverrides:)`` in
    /// `directory` (a new one unless given, so a restart keeps the store).
    init(directory: TemporaryDirectory? = nil, overrides: [String: Any] = [:], apiKeyOverrides: [String: Any] = [:]) throws {
        self.directory = try directory ?? TemporaryDirectory()
        _ = try Self.writeConfiguration(in: self.directory, overrides: overrides, apiKeyOverrides: apiKeyOverrides)
        let output = try Self.launch(process, ["serve", "--config", self.directory.path("server.json")], log: self.directory.path("server.log"))
        // The first line on standard output is "listening on HOST:PORT".
        var line = Data()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening on 127.0.0.1:"), let port = Int(text.split(separator: ":").last ?? "") else {
            process.terminate()
            throw ServerStartFailure(output: text)
        }
        self.port = port
    }

    /// Starts the built `credit` with `arguments`, its standard error appended to `log` (kept
    /// across restarts); returns the pipe of its standard output.
    static func launch(_ process: Process, _ arguments: [String], log logPath: String) throws -> Pipe {
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("credit")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        process.standardError = log
        try process.run()
        return output
    }

    struct ServerStartFailure: Error { var output: String }

    /// `credit replay` of this server's store with the service's model (or `model`) and policy.
    func replay(model: String = "models/pd-german-credit-scorecard/1.0.0/model.json") throws -> Run {
        try credit([
            "replay", "--store", storePath, "--key-file", keyPath, "--model", RepositoryPaths.path(model),
            "--policy", RepositoryPaths.path("models/policy-id-online-lending/1.0.0/policy.json"),
        ])
    }

    /// Sends SIGTERM and waits for the process to exit; returns its status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate(); process.waitUntilExit() } }

    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One HTTP request to the server.
    func request(
        _ method: String, _ path: String, body: Data? = nil, key: String? = ServerProcess.scorerKey,
        headers: [String: String] = ["Content-Type": "application/json"]
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        if let key { request.setValue(key, forHTTPHeaderField: "X-API-Key") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    /// A valid application body; `changes` replace top-level fields, `features` feature values.
    static func application(_ eventId: String, loanId: String = "loan-1", changes: [String: Any] = [:], features: [String: Any] = [:]) -> Data {
        var featureValues: [String: Any] = [
            "age": 49, "monthly_income": 4_180_000, "monthly_debt_payments": 751_000, "active_platform_loans": 0, "delinquencies_12m": 0,
            "inquiries_30d": 3, "employment_type": "salaried", "ktp_verified": true, "on_watchlist": false,
            "status_of_existing_checking_account": "no checking account", "duration_in_month": 12,
            "credit_history": "critical account/ other credits existing (not at this bank)", "purpose": "education", "credit_amount": 2096,
            "savings_account_and_bonds": "... < 100 DM", "present_employment_since": "4 <= ... < 7 years",
            "installment_rate_in_percentage_of_disposable_income": 2, "property": "real estate", "age_in_years": 49,
            "other_installment_plans": "none", "housing": "own",
        ]
        for (name, value) in features { featureValues[name] = value }
        var object: [String: Any] = [
            "event_id": eventId, "user_id": "usr-1", "loan_id": loanId, "amount": 2_096_000, "timestamp": "2026-03-02T06:38:00+07:00",
            "tenor_months": 12, "features": featureValues, "bureau": ["pefindo_score": 711, "slik_kol_worst_12m": 1],
        ]
        for (name, value) in changes { object[name] = value }
        return try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}
