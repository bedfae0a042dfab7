import Glibc

/// Refuses a job whose outputs would overwrite one of its inputs or each other, before anything
/// is opened: `--out` naming `--data`, `--rejects` equal to `--out`, a summary over the input.
///
/// Files that exist are compared by device and inode (so a hard link, a symbolic link or
/// `./x.csv` against `x.csv` is caught); outputs that do not exist yet are compared by their
/// directory's resolved path and their name. `-` (standard input or output) is never compared.
public enum DistinctFiles {
    /// Checks that no output is an input and no two outputs are the same file.
    /// - Throws: ``CSVError/sameFile(first:second:)`` naming the first pair found.
    public static func check(inputs: [String], outputs: [String]) throws(CSVError) {
        let named = (inputs + outputs).filter { $0 != "-" }
        let identities = named.map(identity(of:))
        let inputCount = inputs.filter { $0 != "-" }.count
        for second in inputCount..<named.count {
            for first in 0..<second where identities[first] != nil && identities[first] == identities[second] {
                throw .sameFile(first: named[first], second: named[second])
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
