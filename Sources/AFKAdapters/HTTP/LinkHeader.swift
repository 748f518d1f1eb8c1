import Foundation

/// Parses RFC 8288 `Link` headers as GitHub and Forgejo send them:
/// `<https://…?page=2>; rel="next", <https://…?page=5>; rel="last"`.
public enum LinkHeader {
    public static func parse(_ value: String?) -> [String: URL] {
        guard let value else { return [:] }
        var links: [String: URL] = [:]
        for part in value.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">"),
                let url = URL(string: String(target.dropFirst().dropLast()))
            else { continue }
            for parameter in pieces.dropFirst() {
                let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, kv[0].lowercased() == "rel" else { continue }
                for rel in kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).split(separator: " ") {
                    links[String(rel)] = url
                }
            }
        }
        return links
    }
}
