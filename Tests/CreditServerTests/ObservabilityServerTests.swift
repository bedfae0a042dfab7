import CreditTestSupport
import Foundation
import Testing

/// The series a PromQL expression reads: each metric name with the label values it requires
/// (`name{label="value"}`; regex and negative matchers are not checked).
struct PromQLSelectors {
    struct Selector: Hashable, CustomStringConvertible {
        var name: String
        var labels: [String: String]
        var description: String { labels.isEmpty ? name : "\(name){\(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ","))}" }
    }

    /// Words of the language that are not series: operators, modifiers and the grouping clauses
    /// whose parenthesised lists hold label names.
    private static let keywords: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"]
    private static let groupings: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right"]
    /// Aggregation operators, which may be followed by `by (…)` before their parenthesis.
    private static let aggregations: Set<String> = ["sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values"]

    /// The selectors of `expression`, recording rules (names with a colon) left out.
    static func selectors(in expression: String) -> [Selector] {
        let characters = Array(expression)
        var found: [Selector] = []
        var index = 0
        func isNameStart(_ c: Character) -> Bool { c.isLetter || c == "_" || c == ":" }
        func isNamePart(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == ":" }
        func skip(to close: Character, from open: Character) {
            var depth = 0
            while index < characters.count {
                if characters[index] == open { depth += 1 }
                if characters[index] == close { depth -= 1; if depth == 0 { index += 1; return } }
                index += 1
            }
        }
        func nextNonSpace(after position: Int) -> Character? {
            var probe = position
            while probe < characters.count, characters[probe].isWhitespace { probe += 1 }
            return probe < characters.count ? characters[probe] : nil
        }
        while index < characters.count {
            let c = characters[index]
            if c == "\"" {
                index += 1
                while index < characters.count, characters[index] != "\"" { index += characters[index] == "\\" ? 2 : 1 }
                index += 1
            } else if c == "[" {
                skip(to: "]", from: "[")
            } else if c == "$" {
                index += 1
                while index < characters.count, isNamePart(characters[index]) { index += 1 }
            } else if c.isNumber || c == "." {
                while index < characters.count, isNamePart(characters[index]) || characters[index] == "." { index += 1 }
            } else if isNameStart(c) {
                let start = index
                while index < characters.count, isNamePart(characters[index]) { index += 1 }
                let word = String(characters[start..<index])
                if groupings.contains(word), nextNonSpace(after: index) == "(" {
                    while characters[index] != "(" { index += 1 }
                    skip(to: ")", from: "(")
                    continue
                }
                if word == "offset" {
                    while index < characters.count, characters[index].isWhitespace { index += 1 }
                    while index < characters.count, isNamePart(characters[index]) { index += 1 }
                    continue
                }
                if keywords.contains(word) || aggregations.contains(word) || nextNonSpace(after: index) == "(" { continue }
                var labels: [String: String] = [:]
                if nextNonSpace(after: index) == "{" {
                    while characters[index] != "{" { index += 1 }
                    let open = index
                    skip(to: "}", from: "{")
                    labels = equalityMatchers(String(characters[(open + 1)..<(index - 1)]))
                }
                if !word.contains(":") { found.append(Selector(name: word, labels: labels)) }
            } else {
                index += 1
            }
        }
        return found
    }

    /// The `label="value"` matchers of a selector's braces.
    private static func equalityMatchers(_ text: String) -> [String: String] {
        var labels: [String: String] = [:]
        let pattern = try! NSRegularExpression(pattern: #"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)""#)
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let part = { (group: Int) in String(text[Range(match.range(at: group), in: text)!]) }
            if part(2) == "=" { labels[part(1)] = part(3) }
        }
        return labels
    }
}

/// The PromQL expressions of the shipped dashboard and alert rules.
enum ShippedQueries {
    static func dashboard() throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.path("deploy/grafana/credit-engine.json")))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(object["panels"] as? [[String: Any]])
        return panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
    }

    /// Every `expr:` of the rules file, inline or as a `|` block.
    static func alerts() throws -> [String] {
        let lines = try String(contentsOfFile: RepositoryPaths.path("deploy/prometheus/alerts.yaml"), encoding: .utf8).components(separatedBy: "\n")
        var expressions: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            guard let range = line.range(of: "expr:") else { continue }
            let rest = line[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard rest == "|" else {
                expressions.append(rest)
                continue
            }
            let indent = line.prefix { $0 == " " }.count
            var block: [String] = []
            while index < lines.count, lines[index].trimmingCharacters(in: .whitespaces).isEmpty || lines[index].prefix(while: { $0 == " " }).count > indent {
                block.append(lines[index])
                index += 1
            }
            expressions.append(block.joined(separator: "\n"))
        }
        return expressions
    }
}

@Suite("the shipped dashboard and alert rules read only series the service exports")
struct ObservabilityServerTests {
    @Test("the selector reader finds names and equality matchers, and skips functions, labels, durations and recording rules")
    func selectorReader() {
        let selectors = PromQLSelectors.selectors(in: """
            sum by (job, le) (rate(http_server_request_duration_bucket{http_route="/api/v1/scores", code=~"5.."}[5m] offset 1w)) \
            / credit:ratio:rate5m and on (job) credit_ready == 0 - max(credit_audit_chain_seq)
            """)
        #expect(selectors.map(\.description) == [
            #"http_server_request_duration_bucket{http_route="/api/v1/scores"}"#, "credit_ready", "credit_audit_chain_seq",
        ])
    }

    @Test("after traffic, /metrics has every series (and required label value) the dashboard and the alerts use")
    func everySeriesExported() async throws {
        let directory = try TemporaryDirectory()
        let keygen = try credit(["audit", "keygen", "--out", directory.path("checkpoint.key")])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let server = try ServerProcess(directory: directory, overrides: ["checkpointKeyFile": "checkpoint.key", "checkpointLog": "checkpoints.jsonl"])
        defer { _ = server.stop() }
        for index in 0..<5 {
            let reply = try await server.request("POST", "/api/v1/scores", body: ServerProcess.application("obs-\(index)"))
            #expect(reply.status == 201, "\(reply.text)")
        }
        #expect(try await server.request("POST", "/api/v1/scores", body: Data("{}".utf8)).status == 422)
        #expect(try await server.request("GET", "/health/ready", key: nil).status == 200)
        let metrics = try await server.request("GET", "/metrics", key: nil).text

        // Exported samples: name and labels of each line.
        var exported: [String: [[String: String]]] = [:]
        for line in metrics.split(separator: "\n") where !line.hasPrefix("#") {
            let text = String(line)
            let name = String(text.prefix { $0 != "{" && $0 != " " })
            var labels: [String: String] = [:]
            if let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}") {
                let inside = String(text[text.index(after: open)..<close])
                for pair in inside.split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { labels[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                }
            }
            exported[name, default: []].append(labels)
        }
        let dashboard = try ShippedQueries.dashboard()
        let alerts = try ShippedQueries.alerts()
        #expect(dashboard.count >= 8 && alerts.count >= 8, "the files must be read: \(dashboard.count) and \(alerts.count) expressions")
        let selectors = Set((dashboard + alerts).flatMap(PromQLSelectors.selectors(in:)))
        for required in ["hb_requests", "http_server_request_duration_bucket", "credit_decisions_total", "credit_store_commit_seconds_bucket",
                         "credit_audit_chain_seq", "credit_audit_checkpoint_seq", "credit_ready", "credit_readiness_changes_total"] {
            #expect(selectors.contains { $0.name == required }, "the dashboard and alerts should watch \(required)")
        }
        for selector in selectors {
            let samples = exported[selector.name] ?? []
            #expect(!samples.isEmpty, "\(selector.name) is used by the dashboard or alerts but not exported")
            guard !samples.isEmpty else { continue }
            #expect(samples.contains { sample in selector.labels.allSatisfy { sample[$0.key] == $0.value } },
                    "no exported \(selector.name) sample has the labels of \(selector)")
        }
        // The checkpoint lag is zero: every committed batch's checkpoint was written.
        func values(_ name: String) -> [String: String] {
            Dictionary(metrics.split(separator: "\n").filter { $0.hasPrefix(name + "{") }.map { line in
                (String(line.prefix { $0 != " " }.dropFirst(name.count)), String(line.split(separator: " ").last ?? ""))
            }, uniquingKeysWith: { $1 })
        }
        let heads = values("credit_audit_chain_seq")
        #expect(!heads.isEmpty && heads == values("credit_audit_checkpoint_seq"), "\(heads)")
        #expect(metrics.contains("credit_ready 1"), "\(metrics)")
    }
}
