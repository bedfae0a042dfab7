import Foundation
import Glibc

/// The one place that reads key material (the store key, the checkpoint signing key): from a
/// file, or from an environment variable.
///
/// A key file that other users can read (mode `o+r`, say 0644) is refused: whoever can read it
/// can decrypt every stored input or sign checkpoints. Owner and group permissions are allowed,
/// so a Kubernetes Secret mounted with `defaultMode: 0440` and an `fsGroup` works.
public enum SecretText {
    /// The text of the key, from `file` if given, else from the environment variable `environment`.
    /// - Parameter what: the key's name in messages (`store key`, `checkpoint key`).
    /// - Throws: ``StoreError/invalidSecret(_:)`` naming the file or variable and what is wrong.
    public static func read(file: String?, environment: String?, what: String) throws(StoreError) -> String {
        if let file {
            var status = stat()
            guard stat(file, &status) == 0, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw .invalidSecret("\(what) file \(file) cannot be read")
            }
            guard status.st_mode & S_IROTH == 0 else {
                throw .invalidSecret("\(what) file \(file) can be read by other users; restrict it (chmod 600, or 440 with a group)")
            }
            return text
        }
        if let environment {
            guard let text = ProcessInfo.processInfo.environment[environment] else {
                throw .invalidSecret("the environment variable \(environment) for the \(what) is not set")
            }
            return text
        }
        throw .invalidSecret("no \(what) given: name a key file or an environment variable")
    }
}
