import CreditStore
import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// TLS terminated in the service (swift-nio-ssl): the certificate chain and private key from
/// files, optionally client certificates required and verified against a CA (mutual TLS for the
/// Loan service), and the files reloaded when they change, so a renewed certificate (cert-manager
/// rewriting a mounted Secret) is served to new connections without a restart.
///
/// The files are looked at, at most once per `reloadSeconds`, when a connection opens; a set that
/// does not load (a half-written renewal, a key that does not match) is logged and the last good
/// one stays in use. TLS 1.2 is the minimum.
final class ServiceTLS: Sendable {
    private let settings: ServerConfiguration.TLS
    private let logger: Logger
    private let state: Mutex<(context: NIOSSLContext, signature: [FileSignature], checked: ContinuousClock.Instant)>

    /// What identifies a file's content cheaply: its modification time, size and inode (a
    /// Kubernetes Secret update swaps a symbolic link, so the inode changes).
    private struct FileSignature: Equatable {
        var modified: Date?
        var size: Int?
        var inode: Int?
    }

    /// Loads the files of `settings`.
    /// - Throws: ``ConfigurationProblem`` naming the file that cannot be read or used.
    init(settings: ServerConfiguration.TLS, logger: Logger) throws(ConfigurationProblem) {
        self.settings = settings
        self.logger = logger
        let context = try Self.makeContext(settings)
        state = Mutex((context, Self.signatures(settings), .now))
    }

    /// The context for a new connection: reloaded first if the files changed.
    var context: NIOSSLContext {
        let now = ContinuousClock.now
        let interval = Duration.seconds(settings.reloadSeconds ?? 30)
        let due = state.withLock { state -> [FileSignature]? in
            guard now - state.checked >= interval else { return nil }
            state.checked = now
            let signature = Self.signatures(settings)
            return signature == state.signature ? nil : signature
        }
        if let signature = due {
            do {
                let context = try Self.makeContext(settings)
                state.withLock { ($0.context, $0.signature) = (context, signature) }
                logger.info("TLS certificate reloaded", metadata: ["certificate": "\(URL(fileURLWithPath: settings.certificateFile).lastPathComponent)"])
            } catch {
                // Try again at the next check; the files may be half-written.
                logger.error("TLS files changed but do not load; serving the previous certificate", metadata: ["problem": "\(error)"])
            }
        }
        return state.withLock { $0.context }
    }

    /// The HTTP/1.1 server over TLS, with `http1`'s handlers behind the TLS handler.
    func serverBuilder(http1: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            ReloadingTLSChannel(base: HTTP1Channel(responder: responder, configuration: http1), tls: self)
        }
    }

    private static func signatures(_ settings: ServerConfiguration.TLS) -> [FileSignature] {
        [settings.certificateFile, settings.privateKeyFile, settings.clientCAFile].compactMap { $0 }.map { path in
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let attributes = (try? FileManager.default.attributesOfItem(atPath: resolved)) ?? [:]
            return FileSignature(
                modified: attributes[.modificationDate] as? Date, size: (attributes[.size] as? NSNumber)?.intValue,
                inode: (attributes[.systemFileNumber] as? NSNumber)?.intValue)
        }
    }

    private static func makeContext(_ settings: ServerConfiguration.TLS) throws(ConfigurationProblem) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(settings.certificateFile) } catch {
            throw ConfigurationProblem("tls.certificateFile \(settings.certificateFile): not a readable PEM certificate chain")
        }
        guard !chain.isEmpty else { throw ConfigurationProblem("tls.certificateFile \(settings.certificateFile): no certificate in the file") }
        let keyText: String
        do { keyText = try SecretText.read(file: settings.privateKeyFile, environment: nil, what: "TLS private key") } catch {
            throw ConfigurationProblem(error.description)
        }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem) } catch {
            throw ConfigurationProblem("tls.privateKeyFile \(settings.privateKeyFile): not a PEM private key")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let caFile = settings.clientCAFile {
            let roots: [NIOSSLCertificate]
            do { roots = try NIOSSLCertificate.fromPEMFile(caFile) } catch {
                throw ConfigurationProblem("tls.clientCAFile \(caFile): not a readable PEM certificate file")
            }
            guard !roots.isEmpty else { throw ConfigurationProblem("tls.clientCAFile \(caFile): no certificate in the file") }
            // A client must present a certificate that chains to one of these roots.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(roots)
        }
        do { return try NIOSSLContext(configuration: configuration) } catch {
            throw ConfigurationProblem("tls: the certificate and private key cannot be used together (\(settings.certificateFile), \(settings.privateKeyFile))")
        }
    }
}

/// A child channel that puts a TLS handler, with the current context of ``ServiceTLS``, in front
/// of `base`.
struct ReloadingTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let tls: ServiceTLS

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = tls.context
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension ReloadingTLSChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}
