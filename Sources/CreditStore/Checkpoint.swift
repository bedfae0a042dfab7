import Crypto
import Foundation
import CreditAudit
import Glibc

/// A signed statement of how far one chain of the store had grown: its last sequence number and
/// row hash at a time, signed with an Ed25519 key that the database does not hold.
///
/// Like Certificate Transparency's signed tree heads: the service appends one to a log outside
/// the database after every committed batch, and `credit audit verify --checkpoints` compares
/// the store against the latest one. A store that is behind it (rows deleted at the end, an old
/// backup put in place, every row wiped), or whose row at the checkpoint's sequence number has
/// another hash (a fork), is caught, which the head record inside the database cannot show.
public struct Checkpoint: Codable, Sendable, Equatable {
    /// `credit_scores`, `risk_evaluations` or `erasures`.
    public var chain: String
    /// The chain's last sequence number.
    public var seq: Int64
    /// The hash of that row.
    public var head: String
    /// UTC, ISO 8601, when the batch was committed.
    public var time: String
    /// Ed25519 signature of ``signedText``, base64.
    public var signature: String

    /// The bytes the signature covers.
    public var signedText: String { "creditengine checkpoint v1|\(chain)|\(seq)|\(head)|\(time)" }

    /// The checkpoint as one JSON line (keys sorted), as the log holds it.
    public func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}

/// Signs checkpoints with the service's Ed25519 private key.
public struct CheckpointSigner: Sendable {
    private let key: Curve25519.Signing.PrivateKey

    /// A signer from the base64 of the 32-byte private key (surrounding white space ignored).
    /// - Throws: ``StoreError/invalidSecret(_:)``.
    public init(base64 text: String) throws(StoreError) {
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
        else { throw .invalidSecret("the checkpoint key must be a 32-byte Ed25519 private key in base64 (credit audit keygen)") }
        self.key = key
    }

    /// A new random key pair: the private key and the public key, both base64.
    public static func generate() -> (privateKey: String, publicKey: String) {
        let key = Curve25519.Signing.PrivateKey()
        return (key.rawRepresentation.base64EncodedString(), key.publicKey.rawRepresentation.base64EncodedString())
    }

    /// The public key auditors verify with, base64.
    public var publicKey: String { key.publicKey.rawRepresentation.base64EncodedString() }

    /// A signed checkpoint of `chain` ending at `seq` with `head`.
    func sign(chain: String, seq: Int64, head: String, time: String) -> Checkpoint {
        var checkpoint = Checkpoint(chain: chain, seq: seq, head: head, time: time, signature: "")
        checkpoint.signature = ((try? key.signature(for: Data(checkpoint.signedText.utf8))) ?? Data()).base64EncodedString()
        return checkpoint
    }
}

/// Appends signed checkpoints to a log file outside the database (one JSON line each, with
/// `O_APPEND`), and hands each line to `emit` (the service's JSON log, for central aggregation).
///
/// The file is not synced per batch: a checkpoint lost in a crash only means the next one is the
/// latest; the log can lag behind the store, never run ahead of it.
public final class CheckpointLog: Sendable {
    private let signer: CheckpointSigner
    private let descriptor: Int32
    private let emit: @Sendable (_ checkpoint: Checkpoint, _ written: Bool) -> Void

    /// Opens (or creates, mode 0600) the log at `path`.
    /// - Throws: ``StoreError/database(_:)`` when the file cannot be opened for appending.
    /// `emit` is told every checkpoint signed, and whether it was written whole to the log (a full
    /// disk, say, leaves the chain ahead of its last checkpoint: the checkpoint lag an operator
    /// watches).
    public init(
        path: String, signer: CheckpointSigner, emit: @escaping @Sendable (_ checkpoint: Checkpoint, _ written: Bool) -> Void = { _, _ in }
    ) throws(StoreError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .database("checkpoint log \(path) cannot be opened: \(String(cString: strerror(errno)))") }
        (self.descriptor, self.signer, self.emit) = (fd, signer, emit)
    }

    deinit { close(descriptor) }

    /// Signs and appends one checkpoint per chain that advanced.
    func append(_ heads: [(chain: String, seq: Int64, head: String)]) {
        let time = Date().ISO8601Format(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        for (chain, seq, head) in heads {
            let checkpoint = signer.sign(chain: chain, seq: seq, head: head, time: time)
            let line = Array((checkpoint.jsonLine() + "\n").utf8)
            let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            emit(checkpoint, written == line.count)
        }
    }

    /// The latest validly signed checkpoint of each chain in the log at `path`, and a problem for
    /// every line that is not a validly signed checkpoint, or that goes backwards.
    /// - Throws: ``StoreError/database(_:)`` when the file cannot be read.
    public static func latest(path: String, publicKey: String) throws(StoreError) -> (latest: [String: Checkpoint], problems: [String]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .database("checkpoint log \(path) cannot be read") }
        guard let keyBytes = Data(base64Encoded: publicKey.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else { throw .invalidSecret("the checkpoint public key must be a 32-byte Ed25519 public key in base64") }
        var latest: [String: Checkpoint] = [:]
        var problems: [String] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            guard let checkpoint = try? JSONDecoder().decode(Checkpoint.self, from: Data(line)),
                let signature = Data(base64Encoded: checkpoint.signature),
                key.isValidSignature(signature, for: Data(checkpoint.signedText.utf8))
            else {
                problems.append("checkpoint log line \(index + 1) is not a validly signed checkpoint")
                continue
            }
            if let previous = latest[checkpoint.chain], previous.seq > checkpoint.seq {
                problems.append("checkpoint log line \(index + 1) goes back from \(checkpoint.chain) row \(previous.seq) to \(checkpoint.seq)")
                continue
            }
            latest[checkpoint.chain] = checkpoint
        }
        return (latest, problems)
    }
}
