import ArgumentParser
import Foundation
import ShiplogCore

extension Shiplog {
    /// Runs the command; an error of Shiplog's own is printed once, escaped for the terminal,
    /// and ends the process with the exit code of its kind. Everything else (usage errors,
    /// `--help`) is left to swift-argument-parser.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as ClassifiedError {
            FileHandle.standardError.write(Data("Error: \(TerminalText.escaped(error.description))\n".utf8))
            exit(withError: ExitCode(exitCode(for: error.kind)))
        } catch {
            exit(withError: error)
        }
    }

    /// The one mapping from a kind of failure to an exit code (documented in the README).
    static func exitCode(for kind: ErrorKind) -> Int32 {
        switch kind {
        case .refused: 1
        case .gateClosed: DeployCommand.gateClosedExitCode
        case .notFound: 4
        case .invalidInput: 64  // EX_USAGE, as for a mistyped option
        case .unavailable: 69  // EX_UNAVAILABLE
        case .failure: 70  // EX_SOFTWARE
        case .retry: 75  // EX_TEMPFAIL
        }
    }
}
