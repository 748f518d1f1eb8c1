import ArgumentParser
import Foundation

/// Entry point shared by the tick executables: ArgumentParser's parsing and help, with usage
/// errors mapped to exit status 2 (ArgumentParser's default is 64) as the README documents.
public enum CommandMain {
    public static func run<Command: AsyncParsableCommand>(_ type: Command.Type, arguments: [String]? = nil) async
        -> Never
    {
        var command: any ParsableCommand
        do {
            command = try type.parseAsRoot(arguments)
        } catch {
            let code = type.exitCode(for: error)
            if code == .success { type.exit(withError: error) }  // --help, --version
            FileHandle.standardError.write(Data((type.fullMessage(for: error) + "\n").utf8))
            exit(2)
        }
        do {
            // `--help` parses to ArgumentParser's own help command, which is not async.
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            type.exit(withError: error)
        }
    }
}
