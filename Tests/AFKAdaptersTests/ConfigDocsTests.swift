@testable import AFKAdapters
import Foundation
import Testing
import Yams

/// The key table drives the README's configuration table and the JSON Schema of the YAML file.
struct ConfigDocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theREADMEConfigurationTableIsCurrent() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try #require(
            readme.range(of: "<!-- config-table: generated"),
            "README.md has no config-table marker"
        )
        let tableStart = try #require(readme.range(of: "\n", range: begin.upperBound..<readme.endIndex)).upperBound
        let end = try #require(readme.range(of: "\n<!-- config-table: end -->", range: tableStart..<readme.endIndex))
        let current = String(readme[tableStart..<end.lowerBound])
        #expect(
            current == ConfigDocs.markdownTable(),
            "README.md's configuration table is stale: replace it with the output of `afk config table`"
        )
    }

    /// Every key sits at its path in the schema; every level rejects unknown keys, as afk does.
    @Test func theSchemaHasEveryKeyAndNothingElse() throws {
        let schema = ConfigDocs.jsonSchema()
        for spec in ConfigKeys.all {
            var node: [String: Any]? = schema
            for part in spec.path.split(separator: ".") {
                #expect(
                    node?["additionalProperties"] as? Bool == false,
                    "\(spec.path): a level that accepts unknown keys"
                )
                node = (node?["properties"] as? [String: Any])?[String(part)] as? [String: Any]
            }
            #expect(node?["description"] as? String != nil, "\(spec.path) is missing from the schema")
        }
        let repos = try #require((schema["properties"] as? [String: Any])?["repos"] as? [String: Any])
        let overrides = try #require(repos["additionalProperties"] as? [String: Any])
        let overridable = try #require(overrides["properties"] as? [String: Any])
        #expect(overridable["kill_switch"] == nil)
        #expect(overridable["executor"] != nil && overridable["budget_usd"] != nil)
        let tick = try #require((schema["properties"] as? [String: Any])?["tick"] as? [String: Any])
        let deadline = try #require((tick["properties"] as? [String: Any])?["deadline_seconds"] as? [String: Any])
        #expect(deadline["default"] as? Double == 75)
        #expect(deadline["exclusiveMinimum"] as? Double == 0)
        #expect(JSONSerialization.isValidJSONObject(schema))
    }

    /// The shipped ConfigMap uses only keys the schema (and afk) knows.
    @Test func theShippedConfigurationFitsTheSchema() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("configmap/afk.yaml"), encoding: .utf8)
        let yaml = try #require(try Yams.load(yaml: text) as? [String: Any])
        func walk(_ map: [String: Any], _ schema: [String: Any], _ path: String) {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, value) in map {
                guard let child = properties[key] as? [String: Any] else {
                    Issue.record("\(path)\(key) is not in the schema")
                    continue
                }
                if let nested = value as? [String: Any], child["properties"] != nil {
                    walk(nested, child, path + key + ".")
                }
            }
        }
        walk(yaml, ConfigDocs.jsonSchema(), "")
    }
}
