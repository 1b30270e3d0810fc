import Foundation
import GradwellBuiltins
import GradwellProtocols

/// What a command line asks for: the command, its operands and every option's value.
struct Invocation {
    var command = "serve"
    var operands: [String] = []
    var limits = Limits()
    var threads = 1
    var denormals = Denormals.flush
    var recordPath: String?
    var pluginFlags: [String] = []
    var json = false
    var verify = false
    var reportOutput: String?
    var svgDirectory: String?
    var logCost = false
    var onlyNames: [String]?
    var onlyKind: ComponentKind?
    var wantsHelp = false
    var wantsVersion = false
}

/// One option: its flags, the value it takes (nil for a switch), the commands it belongs to
/// (none: every command), one line of help, and how it sets the invocation (returning why a
/// value is refused).
struct CommandOption: Sendable {
    var flags: [String]
    var value: String?
    var commands: [String] = []
    var help: String
    var apply: @Sendable (inout Invocation, String) -> String?

    var synopsis: String { flags[0] + (value.map { " " + $0 } ?? "") }
}

/// One command: its operands, a line for the general usage, its own help, and what it runs.
struct Subcommand: Sendable {
    var name: String
    var operands: [String]
    var summary: String
    var details: String
    var run: @Sendable (Invocation, CommandContext) -> Int32

    /// `gradwell run FILE.jsonl [--json] [options]`.
    var synopsis: String {
        let own = CommandLineTable.options.filter { $0.commands.contains(name) }.map { "[\($0.synopsis)]" }
        return (["gradwell"] + (name == "serve" ? [] : [name]) + operands + own + ["[options]"]).joined(separator: " ")
    }
}

/// The registry (with plugins), session and run log a command works with.
struct CommandContext {
    var registry: Registry
    var session: Session
    var log: RunLog?
}

/// The command line as tables: every option and command is a row, and parsing, the usage and
/// each command's help are made from them.
enum CommandLineTable {
    private static func count(_ set: @escaping @Sendable (inout Invocation, Int) -> String?) -> @Sendable (inout Invocation, String) -> String? {
        { invocation, text in
            guard let n = Int(text), n > 0 else { return "needs a positive integer, got '\(text)'" }
            return set(&invocation, n)
        }
    }

    static let options: [CommandOption] = [
        CommandOption(flags: ["--max-line-bytes"], value: "N", help: "longest request line accepted (default 67108864)",
                      apply: count { $0.limits.maxLineBytes = $1; return nil }),
        CommandOption(flags: ["--max-elements"], value: "N", help: "most elements in any one tensor (default 268435456)",
                      apply: count { $0.limits.maxElements = $1; return nil }),
        CommandOption(flags: ["--max-epochs"], value: "N", help: "most epochs one train may ask for (default 1000000000)",
                      apply: count { $0.limits.maxEpochs = $1; return nil }),
        CommandOption(flags: ["--threads"], value: "N", help: "compute threads (default 1; results are bit-identical for a fixed count)",
                      apply: count { invocation, n in
                          guard n <= BLASThreads.maximum else { return "takes 1 to \(BLASThreads.maximum), got \(n)" }
                          invocation.threads = n
                          return nil
                      }),
        CommandOption(flags: ["--denormals"], value: "MODE",
                      help: "flush (default: subnormal numbers become zero, no slow path) or keep (IEEE gradual underflow, as NumPy and PyTorch)",
                      apply: { invocation, text in
                          guard let mode = Denormals(rawValue: text) else { return "needs flush or keep, got '\(text)'" }
                          invocation.denormals = mode
                          return nil
                      }),
        CommandOption(flags: ["--data-root"], value: "DIR",
                      help: "every path a request names must resolve inside DIR (relative ones are taken from DIR); others are refused with -32602",
                      apply: { invocation, text in
                          guard let root = PathPolicy.canonicalRoot(text) else { return "needs an existing directory, got '\(text)'" }
                          invocation.limits.dataRoot = root
                          return nil
                      }),
        CommandOption(flags: ["--record"], value: "FILE", help: "append every request, response and notification to FILE (a run log)",
                      apply: { $0.recordPath = $1; return nil }),
        CommandOption(flags: ["--plugin"], value: "LIB.so", help: "load a run-time plugin (repeatable; also GRADWELL_PLUGINS=a.so:b.so)",
                      apply: { $0.pluginFlags.append($1); return nil }),
        CommandOption(flags: ["--json"], value: nil, commands: ["run", "check"],
                      help: "print JSON instead of a table (run: the raw responses; check: the registry/check result)",
                      apply: { invocation, _ in invocation.json = true; return nil }),
        CommandOption(flags: ["--verify"], value: nil, commands: ["replay"],
                      help: "compare every answer and notification with the recorded one, bit for bit",
                      apply: { invocation, _ in invocation.verify = true; return nil }),
        CommandOption(flags: ["-o"], value: "OUT.html", commands: ["report"],
                      help: "where to write the report (default report.html; the path written is printed either way)",
                      apply: { $0.reportOutput = $1; return nil }),
        CommandOption(flags: ["--svg"], value: "DIR", commands: ["report"], help: "also write each plot as an SVG file into DIR",
                      apply: { $0.svgDirectory = $1; return nil }),
        CommandOption(flags: ["--log-cost"], value: nil, commands: ["report"], help: "plot costs on a log scale",
                      apply: { invocation, _ in invocation.logCost = true; return nil }),
        CommandOption(flags: ["--only"], value: "NAMES", commands: ["check"], help: "check only these components (comma-separated names, any kind)",
                      apply: { invocation, text in
                          let names = text.split(separator: ",").map(String.init)
                          guard !names.isEmpty else { return "needs component names (comma-separated)" }
                          invocation.onlyNames = names
                          return nil
                      }),
        CommandOption(flags: ["--kind"], value: "KIND", commands: ["check"],
                      help: "check only this kind: " + ComponentKind.allCases.map(\.rawValue).joined(separator: ", "),
                      apply: { invocation, text in
                          guard let kind = ComponentKind(rawValue: text) else {
                              return "needs one of \(ComponentKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'"
                          }
                          invocation.onlyKind = kind
                          return nil
                      }),
        CommandOption(flags: ["--version"], value: nil, help: "print the version and this machine",
                      apply: { invocation, _ in invocation.wantsVersion = true; return nil }),
        CommandOption(flags: ["--help", "-h"], value: nil, help: "print the usage, or a command's help",
                      apply: { invocation, _ in invocation.wantsHelp = true; return nil }),
    ]

    static let commands: [Subcommand] = [
        Subcommand(name: "serve", operands: [], summary: "serve JSON-RPC 2.0 requests, one per line, on stdin/stdout (the default)",
                   details: """
                       Serves JSON-RPC 2.0 on stdin/stdout: one request per line in, one response per line out,
                       with `metric` and `trial` notifications while a request runs. The protocol is
                       plugins-spec/PROTOCOL.md; `initialize` reports its version, the limits and this machine.
                       """, run: HostCommands.serve),
        Subcommand(name: "run", operands: ["FILE.jsonl"], summary: "run a file of requests; print a summary table",
                   details: """
                       Runs a file of requests (one JSON-RPC request per line, as a client would send them) and
                       prints a table: one row per request with its method, outcome and key figures (cost,
                       accuracy, epochs, wall time), and a progress bar on a terminal while training.
                       Exits 0 when every request succeeded, 1 when one was refused or failed, 2 for a file it
                       cannot read. Example: gradwell run examples/optimization.jsonl
                       """, run: { RunCommand(session: $1.session, path: $0.operands[0], json: $0.json).execute() }),
        Subcommand(name: "replay", operands: ["LOG"], summary: "re-send a run log's requests to a fresh host; --verify compares every answer",
                   details: """
                       Re-sends the requests of a run log (written by `gradwell --record LOG`) to a fresh host in
                       this process, with the recorded --denormals and limits. With --verify, timing fields and
                       the machine description are excepted; the first difference is named by its path
                       (result.history[3].cost) with both values. A log from another ISA or BLAS kernel is noted
                       up front; a data file whose checksum changed since it was recorded is named.
                       Exits 0 when identical, 1 at the first difference, 2 for a file that is not a run log.
                       """, run: { ReplayCommand(session: $1.session, path: $0.operands[0], verify: $0.verify).execute() }),
        Subcommand(name: "report", operands: ["LOG"], summary: "a self-contained HTML report (inline SVG) of a run log",
                   details: """
                       Writes a self-contained HTML report (inline SVG plots, tables) of a run log: learning
                       curves, learning rates, gradient norms, search results, decision boundaries.
                       """, run: HostCommands.report),
        Subcommand(name: "check", operands: [], summary: "run registered components through the conformance checks",
                   details: """
                       Runs registered components through the conformance checks: float64 gradient checks of
                       layers, losses and regularizers; initializer variance; optimizer convergence, resume from
                       a snapshot and (when the optimizer gives one) its reference trajectory; config round trips.
                       Ends with "N passed, M failed"; exits 0 when every checked component passed, 1 if one
                       failed, 2 when --only names no registered component.
                       """, run: HostCommands.check),
        Subcommand(name: "help", operands: ["[COMMAND]"], summary: "one command's help (also: gradwell COMMAND --help)",
                   details: "Prints the general usage, or one command's: serve, run, replay, report, check.",
                   run: { _, _ in 0 }),
    ]

    static func command(_ name: String) -> Subcommand? { commands.first { $0.name == name } }

    static var usage: String {
        var text = "usage: " + commands.map { "\($0.synopsis)\n         \($0.summary)" }.joined(separator: "\n       ")
        text += "\noptions of every command:\n" + table(options.filter(\.commands.isEmpty))
        return text
    }

    /// A command's own help: its synopsis, what it does, and its own options.
    static func help(_ command: Subcommand) -> String {
        var text = "usage: \(command.synopsis)\n\(command.details)"
        let own = options.filter { $0.commands.contains(command.name) }
        if !own.isEmpty { text += "\n" + table(own) }
        return text + "\nOptions of every command: see `gradwell --help`."
    }

    /// Options as a two-column table, the help wrapped at 100 columns under its own column.
    private static func table(_ rows: [CommandOption]) -> String {
        let width = rows.map(\.synopsis.count).max()! + 3
        return rows.map { option in
            var lines = [""], indent = String(repeating: " ", count: width + 2)
            for word in option.help.split(separator: " ") {
                if !lines[lines.count - 1].isEmpty && indent.count + lines[lines.count - 1].count + 1 + word.count > 100 { lines.append("") }
                lines[lines.count - 1] += (lines[lines.count - 1].isEmpty ? "" : " ") + word
            }
            return "  " + option.synopsis.padding(toLength: width, withPad: " ", startingAt: 0) + lines.joined(separator: "\n" + indent)
        }.joined(separator: "\n")
    }

    /// The invocation `arguments` ask for, or why they cannot be run (a message for standard error).
    static func parse(_ arguments: [String]) -> Result<Invocation, CommandLineError> {
        var invocation = Invocation()
        var given: [CommandOption] = []
        var index = 0
        var commandNamed = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                if !commandNamed && invocation.operands.isEmpty {
                    guard command(argument) != nil else {
                        let hint = Suggestion.closest(to: argument, in: commands.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                        return .failure(CommandLineError("unknown command \(argument)\(hint)", showUsage: true))
                    }
                    invocation.command = argument
                    commandNamed = true
                } else {
                    invocation.operands.append(argument)
                }
                continue
            }
            // --flag=value is --flag value.
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard let option = options.first(where: { $0.flags.contains(parts[0]) }) else {
                let hint = Suggestion.closest(to: parts[0], in: options.flatMap(\.flags)).map { "; did you mean '\($0)'?" } ?? ""
                return .failure(CommandLineError("unknown option \(parts[0])\(hint)", showUsage: true))
            }
            var value = ""
            if let placeholder = option.value {
                if parts.count == 2 {
                    value = parts[1]
                } else if index < arguments.count {
                    value = arguments[index]
                    index += 1
                } else {
                    return .failure(CommandLineError("\(parts[0]) needs \(placeholder)", showUsage: true))
                }
            } else if parts.count == 2 {
                return .failure(CommandLineError("\(parts[0]) takes no value", showUsage: true))
            }
            if let problem = option.apply(&invocation, value) {
                return .failure(CommandLineError("\(parts[0]) \(problem)", showUsage: true))
            }
            given.append(option)
        }
        if invocation.wantsHelp || invocation.wantsVersion || invocation.command == "help" { return .success(invocation) }
        for option in given where !option.commands.isEmpty && !option.commands.contains(invocation.command) {
            return .failure(CommandLineError("\(option.flags[0]) is an option of \(option.commands.joined(separator: " and ")), not of \(invocation.command)",
                                             showUsage: true))
        }
        let subcommand = command(invocation.command)!
        guard invocation.operands.count == subcommand.operands.count else {
            let wanted = subcommand.operands.isEmpty ? "no operands" : subcommand.operands.joined(separator: " ")
            let got = invocation.operands.isEmpty ? "none" : invocation.operands.joined(separator: " ")
            return .failure(CommandLineError("\(invocation.command) takes \(wanted); got \(got)", showUsage: true))
        }
        return .success(invocation)
    }
}

/// Why a command line cannot run; the host prints it (and the usage) and exits 2.
struct CommandLineError: Error {
    var message: String
    var showUsage: Bool
    init(_ message: String, showUsage: Bool) {
        self.message = message
        self.showUsage = showUsage
    }
}
