public import Foundation

/// Paths inside this repository, found from this file's location (tests run from any directory).
public enum RepositoryPaths {
    /// The repository root.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The path of `relative` under the repository root.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
