import Glibc

/// Refuses a job whose outputs would overwrite one of its inputs or each other, before anything
/// is opened: `--out` naming `--data`, `--rejects` equal to `--out`, a summary over the input.
///
/// Files that exist are compared by device and inode (so a hard link, a symbolic link or
/// `./x.csv` against `x.csv` is caught); outputs that do not exist yet are compared by their
/// directory's resolved path and their name. An output's temporary name (`OUT.partial`, see
/// ``CSVWriter``) must not be an input either. `-` (standard input or output) is never compared.
public enum DistinctFiles {
    /// Checks that no output is an input and no two outputs are the same file.
    /// - Throws: ``CSVError/sameFile(first:second:)`` naming the first pair found.
    public static func check(inputs: [String], outputs: [String]) throws(CSVError) {
        let inputs = inputs.filter { $0 != "-" }
        let outputs = outputs.filter { $0 != "-" }
        let named = inputs + outputs
        let identities = named.map(identity(of:))
        for second in inputs.count..<named.count {
            for first in 0..<second where identities[first] != nil && identities[first] == identities[second] {
                throw .sameFile(first: named[first], second: named[second])
            }
        }
        for output in outputs {
            let partial = output + CSVWriter.partialSuffix
            let partialIdentity = identity(of: partial)
            for (index, input) in inputs.enumerated() where partialIdentity != nil && identities[index] == partialIdentity {
                throw .sameFile(first: input, second: partial)
            }
        }
    }

    /// How a path is told apart from another one.
    private enum Identity: Hashable {
        case file(device: UInt64, inode: UInt64)
        case notYetCreated(directory: String, name: String)
    }

    private static func identity(of path: String) -> Identity? {
        var status = stat()
        if stat(path, &status) == 0 { return .file(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)) }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let resolved = realpath(directory.isEmpty ? "/" : directory, nil) else { return nil }
        defer { free(resolved) }
        return .notYetCreated(directory: String(cString: resolved), name: name)
    }
}
