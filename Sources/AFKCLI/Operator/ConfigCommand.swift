import AFKAdapters
import ArgumentParser
import Foundation

/// `afk config`: what afk's configuration keys are, for editors and documentation.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Describe afk's configuration keys (reads no configuration, makes no request).",
        subcommands: [Schema.self, Table.self]
    )

    /// `afk config schema`: a JSON Schema of the YAML file.
    struct Schema: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schema",
            abstract: "Print a JSON Schema (draft 2020-12) of afk's YAML configuration file.",
            discussion: """
                Point an editor's YAML language server at it (for example a first line \
                `# yaml-language-server: $schema=afk.schema.json` after `afk config schema > afk.schema.json`) \
                to get completion, documentation and errors for unknown keys while editing.
                """
        )

        func run() async throws {
            CommandOutput.print(ConfigDocs.jsonSchemaText())
        }
    }

    /// `afk config table`: the README's configuration table.
    struct Table: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "table",
            abstract: "Print the configuration table (Markdown) that the README holds."
        )

        func run() async throws {
            CommandOutput.print(ConfigDocs.markdownTable())
        }
    }
}
