import CreditTestSupport
import Foundation
import Testing

/// Certificates made with openssl for one test: a CA, the server's certificate for 127.0.0.1,
/// a client certificate from the CA, and one from another CA.
private struct TestPKI {
    let directory: TemporaryDirectory

    init(_ directory: TemporaryDirectory) throws {
        self.directory = directory
        try makeCA("ca")
        try makeCA("other-ca")
        try issue("server", by: "ca", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth")
        try issue("client", by: "ca", subject: "/CN=loan-service", extensions: "extendedKeyUsage=clientAuth")
        try issue("intruder", by: "other-ca", subject: "/CN=loan-service", extensions: "extendedKeyUsage=clientAuth")
    }

    func path(_ name: String) -> String { directory.path(name) }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try Self.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")): \(result.output)") }
    }

    private func makeCA(_ name: String) throws {
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("\(name).key"),
                     "-out", path("\(name).pem"), "-days", "2", "-subj", "/CN=\(name)"])
    }

    /// A key and a certificate for `subject`, signed by CA `ca`; the key is mode 0600.
    func issue(_ name: String, by ca: String, subject: String, extensions: String) throws {
        try openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("\(name).key"),
                     "-out", path("\(name).csr"), "-subj", subject])
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"), "-CAcreateserial",
                     "-out", path("\(name).pem"), "-days", "2", "-extfile", path("\(name).ext")])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path("\(name).key"))
    }

    /// `GET path` over HTTPS with curl, trusting the test CA, with client certificate `client` if given.
    func get(port: Int, _ target: String, client: String? = nil) throws -> (status: Int32, output: String) {
        var arguments = ["-sS", "--max-time", "10", "--cacert", path("ca.pem"), "https://127.0.0.1:\(port)\(target)"]
        if let client { arguments += ["--cert", path("\(client).pem"), "--key", path("\(client).key")] }
        return try Self.run("/usr/bin/curl", arguments)
    }

    /// The PEM certificate the server at `port` presents (not verified).
    static func presentedCertificate(port: Int) throws -> String {
        try run("/usr/bin/python3", ["-c", "import ssl; print(ssl.get_server_certificate(('127.0.0.1', \(port))), end='')"]).output
    }
}

private struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Normalised PEM (the base64 body only), to compare certificates written by two tools.
private func pemBody(_ text: String) -> String {
    text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
}

@Suite("TLS terminated in the service: certificates from files, client certificates, reload on change")
struct TLSServerTests {
    @Test("HTTPS with the configured certificate; plain HTTP to the TLS port gets no answer")
    func servesTLS() async throws {
        let directory = try TemporaryDirectory()
        let pki = try TestPKI(directory)
        let server = try ServerProcess(directory: directory, overrides: ["tls": ["certificateFile": "server.pem", "privateKeyFile": "server.key"]])
        defer { _ = server.stop() }
        let live = try pki.get(port: server.port, "/health/live")
        #expect(live.status == 0 && live.output.contains("\"status\":\"live\""), "\(live.output)")
        let plain = try TestPKI.run("/usr/bin/curl", ["-sS", "--max-time", "5", "http://127.0.0.1:\(server.port)/health/live"])
        #expect(plain.status != 0, "\(plain.output)")
        #expect(!plain.output.contains("live"))
    }

    @Test("with clientCAFile, only a client certificate from that CA gets through")
    func requiresClientCertificates() async throws {
        let directory = try TemporaryDirectory()
        let pki = try TestPKI(directory)
        let server = try ServerProcess(directory: directory, overrides: [
            "tls": ["certificateFile": "server.pem", "privateKeyFile": "server.key", "clientCAFile": "ca.pem"],
        ])
        defer { _ = server.stop() }
        let trusted = try pki.get(port: server.port, "/health/live", client: "client")
        #expect(trusted.status == 0 && trusted.output.contains("live"), "\(trusted.output)")
        let anonymous = try pki.get(port: server.port, "/health/live")
        #expect(anonymous.status != 0 && !anonymous.output.contains("\"live\""), "\(anonymous.output)")
        let intruder = try pki.get(port: server.port, "/health/live", client: "intruder")
        #expect(intruder.status != 0 && !intruder.output.contains("\"live\""), "\(intruder.output)")
    }

    @Test("a renewed certificate (a Secret's symbolic link swapped) is served to new connections; a broken renewal keeps the last good one")
    func reloadsOnChange() async throws {
        let directory = try TemporaryDirectory()
        let pki = try TestPKI(directory)
        let files = FileManager.default
        // As the kubelet mounts a Secret: tls/tls.crt -> ..data/tls.crt, ..data -> a versioned directory.
        func version(_ name: String, certificate: String, key: String) throws {
            try files.createDirectory(atPath: directory.path("tls/\(name)"), withIntermediateDirectories: true)
            try files.copyItem(atPath: pki.path(certificate), toPath: directory.path("tls/\(name)/tls.crt"))
            try files.copyItem(atPath: pki.path(key), toPath: directory.path("tls/\(name)/tls.key"))
            try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.path("tls/\(name)/tls.key"))
        }
        func publish(_ name: String) throws {
            try? files.removeItem(atPath: directory.path("tls/..data.new"))
            try files.createSymbolicLink(atPath: directory.path("tls/..data.new"), withDestinationPath: name)
            #expect(rename(directory.path("tls/..data.new"), directory.path("tls/..data")) == 0)
        }
        try version("v1", certificate: "server.pem", key: "server.key")
        try publish("v1")
        try files.createSymbolicLink(atPath: directory.path("tls/tls.crt"), withDestinationPath: "..data/tls.crt")
        try files.createSymbolicLink(atPath: directory.path("tls/tls.key"), withDestinationPath: "..data/tls.key")
        let server = try ServerProcess(directory: directory, overrides: [
            "tls": ["certificateFile": "tls/tls.crt", "privateKeyFile": "tls/tls.key", "reloadSeconds": 1],
        ])
        defer { _ = server.stop() }
        let first = try TestPKI.presentedCertificate(port: server.port)
        #expect(pemBody(first) == pemBody(try String(contentsOfFile: pki.path("server.pem"), encoding: .utf8)))

        try pki.issue("renewed", by: "ca", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth")
        try version("v2", certificate: "renewed.pem", key: "renewed.key")
        try publish("v2")
        let renewed = pemBody(try String(contentsOfFile: pki.path("renewed.pem"), encoding: .utf8))
        var presented = ""
        for _ in 0..<30 where presented != renewed {
            try await Task.sleep(for: .milliseconds(200))
            presented = pemBody(try TestPKI.presentedCertificate(port: server.port))
        }
        #expect(presented == renewed, "the renewed certificate was not served within 6 s")
        #expect(try pki.get(port: server.port, "/health/live").output.contains("live"))

        // A renewal whose key does not match its certificate is refused; the renewed one stays.
        try version("v3", certificate: "server.pem", key: "renewed.key")
        try publish("v3")
        try await Task.sleep(for: .milliseconds(1500))
        _ = try TestPKI.presentedCertificate(port: server.port)
        #expect(pemBody(try TestPKI.presentedCertificate(port: server.port)) == renewed)
        #expect(server.log.contains("TLS files changed but do not load"), "\(server.log)")
    }

    @Test("a missing certificate, a key others can read and a key that does not match are refused at start-up, naming the file")
    func refusedFiles() throws {
        let directory = try TemporaryDirectory()
        _ = try TestPKI(directory)
        for (tls, message) in [
            (["certificateFile": "nowhere.pem", "privateKeyFile": "server.key"], "tls.certificateFile"),
            (["certificateFile": "server.pem", "privateKeyFile": "client.key"], "cannot be used together"),
            (["certificateFile": "server.pem", "privateKeyFile": "server.key", "clientCAFile": "server.key"], "tls.clientCAFile"),
        ] {
            #expect(throws: ServerProcess.ServerStartFailure.self) { try ServerProcess(directory: directory, overrides: ["tls": tls]) }
            #expect(try String(contentsOfFile: directory.path("server.log"), encoding: .utf8).contains(message), "\(message)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.path("server.key"))
        #expect(throws: ServerProcess.ServerStartFailure.self) {
            try ServerProcess(directory: directory, overrides: ["tls": ["certificateFile": "server.pem", "privateKeyFile": "server.key"]])
        }
        #expect(try String(contentsOfFile: directory.path("server.log"), encoding: .utf8).contains("TLS private key file"))
    }
}
