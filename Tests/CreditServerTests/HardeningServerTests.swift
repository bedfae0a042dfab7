import CreditTestSupport
import Foundation
import Testing

/// What a raw TCP exchange with the server gave: the bytes received, whether the server closed
/// the connection, and the seconds until the first answer or the close.
private struct RawExchange {
    var text: String
    var closedByServer: Bool
    var seconds: Double
}

/// Sends `bytes` on a new loopback connection and reads until the server closes or `wait`
/// seconds pass (Python's socket module: an independent client that can misbehave on purpose).
private func rawExchange(port: Int, _ bytes: String, wait: Double, stopAtFirstResponse: Bool = false) throws -> RawExchange {
    let script = """
        import socket, sys, time
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        s.settimeout(float(sys.argv[3]))
        s.sendall(sys.argv[2].encode("latin1"))
        start, out, closed = time.time(), b"", False
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    closed = True
                    break
                out += chunk
                if sys.argv[4] == "1" and b"\\r\\n\\r\\n" in out:
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        print("%d %.3f" % (closed, time.time() - start))
        sys.stdout.write(out.decode("latin1"))
        """
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, String(port), bytes, String(wait), stopAtFirstResponse ? "1" : "0"]
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    let firstLine = text.prefix { $0 != "\n" }.split(separator: " ")
    return RawExchange(
        text: String(text.drop { $0 != "\n" }.dropFirst()), closedByServer: firstLine.first == "1",
        seconds: Double(firstLine.last ?? "") ?? .infinity)
}

@Suite("HTTP score service under attack: limits, timeouts, media types, configuration", .timeLimit(.minutes(3)))
struct HardeningServerTests {
    @Test("a declared body over the limit is answered 413 at once, Expect: 100-continue included")
    func declaredLengthOverLimit() async throws {
        let server = try ServerProcess()
        for extra in ["", "Expect: 100-continue\r\n"] {
            for length in ["1000000000000", "104857600"] {
                let exchange = try rawExchange(
                    port: server.port,
                    "POST /api/v1/scores HTTP/1.1\r\nHost: x\r\nX-API-Key: \(ServerProcess.scorerKey)\r\nContent-Type: application/json\r\n"
                        + "Content-Length: \(length)\r\n\(extra)\r\n{", wait: 5, stopAtFirstResponse: true)
                #expect(exchange.text.hasPrefix("HTTP/1.1 413"), "\(exchange.text)")
                #expect(exchange.seconds < 3)
            }
        }
        #expect(server.stop() == 0)
    }

    @Test("a request the HTTP parser refuses is answered 400 with a problem document, and the connection closed",
          arguments: ["conflicting lengths", "oversized head", "bad request line"])
    func parserRefusals(name: String) async throws {
        let server = try ServerProcess()
        let request = switch name {
        case "conflicting lengths":
            "POST /api/v1/scores HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        case "oversized head":
            // 100 KB of headers, over the 80 KB the server reads.
            "GET /health/live HTTP/1.1\r\nHost: x\r\n" + (0..<4).map { "X-Padding-\($0): \(String(repeating: "a", count: 25_000))\r\n" }.joined() + "\r\n"
        default: "GET /health/live HTTP/9.Z\r\n\r\n"
        }
        let exchange = try rawExchange(port: server.port, request, wait: 5)
        #expect(exchange.text.hasPrefix("HTTP/1.1 400"), "\(exchange.text)")
        #expect(exchange.text.lowercased().contains("content-type: application/problem+json"))
        #expect(exchange.text.contains("\"type\":\"urn:creditengine:problem:bad-request\""))
        #expect(exchange.closedByServer)
        // The server goes on serving.
        #expect(try await server.request("GET", "/health/live", key: nil).status == 200)
        #expect(server.stop() == 0)
    }

    @Test("SIGTERM under keep-alive load drops nothing: every request sent is answered or never accepted, and every 201 is stored")
    func shutdownDropsNothing() async throws {
        // The default drain window, so a worker starved of CPU on a loaded machine still gets its answer.
        let server = try ServerProcess(overrides: ["connections": ["drainSeconds": 5]])
        let bodyFile = server.directory.path("body.json")
        try String(decoding: ServerProcess.application("EVENT_ID", loanId: "loan-drain"), as: UTF8.self)
            .write(toFile: bodyFile, atomically: true, encoding: .utf8)
        let client = Process()
        let output = Pipe()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        client.arguments = [
            "python3", RepositoryPaths.path("Tests/CreditServerTests/Clients/drain_client.py"), String(server.port), ServerProcess.scorerKey,
            bodyFile, "16", "20",
        ]
        let progress = Pipe()
        client.standardOutput = output
        client.standardError = progress
        try client.run()
        // Every worker has its connection and an answer: then SIGTERM, under load.
        var seen = Data()
        let deadline = Date().addingTimeInterval(60)
        while !String(decoding: seen, as: UTF8.self).contains("ready"), Date() < deadline {
            let chunk = progress.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        #expect(String(decoding: seen, as: UTF8.self).contains("ready"))
        try await Task.sleep(for: .milliseconds(300))
        server.process.terminate()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        let answered = try #require(result["answered_201"] as? Int)
        #expect(result["dropped"] as? Int == 0, "\(result)")
        #expect(result["refused"] as? Int == 16, "every worker ends on a refused connection: \(result)")
        #expect(answered > 16, "\(result)")
        #expect((result["statuses"] as? [String: Int])?.keys.sorted() == ["201"], "\(result)")
        let verify = try credit(["audit", "verify", "--store", server.storePath, "--key-file", server.keyPath])
        #expect(verify.status == 0 && verify.stdout.contains("credit_scores: \(answered) rows, chain intact"), "\(verify.stdout) \(result)")
    }

    @Test("a client too slow to send its request head or body is disconnected")
    func slowClients() async throws {
        // The idle timeout is far off, so only the head and body deadlines can close these.
        let server = try ServerProcess(overrides: ["connections": ["headerSeconds": 1, "bodySeconds": 1, "idleSeconds": 60]])
        let slowHead = try rawExchange(port: server.port, "POST /api/v1/scores HTTP/1.1\r\nHost: x\r\n", wait: 6)
        #expect(slowHead.closedByServer && slowHead.seconds < 4, "\(slowHead)")
        let slowBody = try rawExchange(
            port: server.port,
            "POST /api/v1/scores HTTP/1.1\r\nHost: x\r\nX-API-Key: \(ServerProcess.scorerKey)\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{", wait: 6)
        #expect(slowBody.closedByServer && slowBody.seconds < 4, "\(slowBody)")
        // A well-behaved client is still served.
        let ok = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-slow-ok"))
        #expect(ok.status == 201)
        #expect(server.stop() == 0)

        let idleServer = try ServerProcess(overrides: ["connections": ["headerSeconds": 60, "idleSeconds": 1]])
        let idle = try rawExchange(port: idleServer.port, "", wait: 6)
        #expect(idle.closedByServer && idle.seconds < 4, "\(idle)")
        #expect(idleServer.stop() == 0)
    }

    @Test("Content-Type is parsed as a media type: only application/json, with at most charset=utf-8")
    func mediaTypes() async throws {
        try await InProcessServer.run { server async throws in
            for (index, (type, status)) in [
                ("application/jsonx", 415), ("application/json-patch+json", 415), ("text/plain", 415), ("application/json; charset=latin1", 415),
                ("application/json;charset=UTF-8", 201), ("Application/JSON", 201), ("application/json ; charset=\"utf-8\"", 201),
            ].enumerated() {
                let reply = try await server.request(
                    "POST", "/api/v1/scores", body: ServerProcess.application("evt-media-\(index)"), headers: ["Content-Type": type])
                #expect(reply.status == status, "\(type)")
            }
        }
    }

    @Test("/metrics records the status a client got, 4xx problems included")
    func metricsRecordRealStatus() async throws {
        let server = try ServerProcess()
        #expect(try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-m-ok")).status == 201)
        let invalid = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-m", changes: ["amount": -1]))
        #expect(invalid.status == 422)
        let missing = try await server.request("GET", "/api/v1/scores/nope", key: ServerProcess.readerKey)
        #expect(missing.status == 404)
        let metrics = try await server.request("GET", "/metrics", key: nil).text
        let requests = metrics.split(separator: "\n").filter { $0.hasPrefix("hb_requests") }
        #expect(requests.contains { $0.contains("http_response_status_code=\"422\"") }, "\(requests)")
        #expect(requests.contains { $0.contains("http_response_status_code=\"404\"") })
        #expect(!requests.contains { $0.contains("http_response_status_code=\"500\"") })
        #expect(metrics.contains("credit_store_commit_seconds_bucket"), "\(metrics)")
        #expect(metrics.contains("credit_requests_in_flight"))
        #expect(server.stop() == 0)
    }

    @Test("the OpenAPI document is served from the binary")
    func openAPIEmbedded() async throws {
        let server = try ServerProcess()
        let document = try await server.request("GET", "/api/v1/openapi.yaml", key: nil)
        #expect(document.status == 200)
        #expect(document.body == FileManager.default.contents(atPath: RepositoryPaths.path("Sources/CreditServer/openapi.yaml")))
        #expect(server.stop() == 0)
    }

    @Test(
        "a configuration that would crash or weaken the service is refused at start-up with a message",
        arguments: ["ratePerSecond 0", "negative rate", "burst below 1", "full-width hex"])
    func refusedConfigurations(name: String) throws {
        let (key, message): ([String: Any], String) = switch name {
        case "ratePerSecond 0": (["ratePerSecond": 0], "ratePerSecond must be a number above 0")
        case "negative rate": (["ratePerSecond": -3], "ratePerSecond must be a number above 0")
        case "burst below 1": (["burst": 0.5], "burst must be a number of at least 1")
        default: (["sha256": String(repeating: "ａ", count: 64)], "sha256 must be 64 hex digits")
        }
        #expect(throws: ServerProcess.ServerStartFailure.self) { try ServerProcess(apiKeyOverrides: key) }
        let directory = try TemporaryDirectory()
        #expect(throws: ServerProcess.ServerStartFailure.self) { try ServerProcess(directory: directory, apiKeyOverrides: key) }
        let log = (try? String(contentsOfFile: directory.path("server.log"), encoding: .utf8)) ?? ""
        #expect(log.contains(message), "\(name): \(log)")
    }

    @Test("a store key file that other users can read is refused")
    func worldReadableKey() throws {
        let directory = try TemporaryDirectory()
        try Data(repeating: 3, count: 32).base64EncodedString().write(toFile: directory.path("store.key"), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.path("store.key"))
        #expect(throws: ServerProcess.ServerStartFailure.self) { try ServerProcess(directory: directory) }
        let log = (try? String(contentsOfFile: directory.path("server.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("can be read by other users"), "\(log)")
    }

    @Test("failed authentication is limited per client address: after the burst, 429 with Retry-After, before any key is checked")
    func failedAuthenticationLimited() async throws {
        // A refill slow enough that no token comes back during the test, however loaded the machine.
        let server = try ServerProcess(overrides: ["failedAuthentication": ["ratePerSecond": 0.001, "burst": 20]])
        var statuses: [Int] = []
        for index in 0..<40 {
            let reply = try await server.request("GET", "/api/v1/models", key: "wrong-key-\(index)")
            statuses.append(reply.status)
        }
        #expect(statuses.prefix(20).allSatisfy { $0 == 401 }, "\(statuses)")
        #expect(statuses.suffix(10).allSatisfy { $0 == 429 }, "\(statuses)")
        // While the address waits, even a right key is not checked.
        let blocked = try await server.request("GET", "/api/v1/models", key: ServerProcess.readerKey)
        #expect(blocked.status == 429 && Int(blocked.headers["retry-after"] ?? "").map { $0 >= 1 } == true)
        #expect(server.stop() == 0)
    }
}
