import Foundation
import GradwellBuiltins
import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// The `gradwell` command: serves the JSON-RPC protocol on stdin/stdout, or runs a file of
/// requests for a person (`gradwell run FILE`).
///
/// A user's own host with compiled-in components calls
/// `GradwellHost.main(registry: try .builtins.adding(optimizers: [Lion.self], origin: "mine"))`.
public enum GradwellHost {
    public static let usage = """
        usage: gradwell [options]                 serve JSON-RPC 2.0 requests, one per line, on stdin/stdout
               gradwell run FILE.jsonl [--json]   run a file of requests; print a summary table
                                                  (--json: the raw responses instead)
               gradwell replay LOG [--verify]     re-send a run log's requests to a fresh host; --verify
                                                  compares every answer bit for bit (timing fields excepted)
               gradwell report LOG -o OUT.html [--svg DIR] [--log-cost]
                                                  a self-contained HTML report (inline SVG) of a run log
               gradwell check [--only NAMES] [--kind KIND] [--json]
                                                  run registered components through the conformance
                                                  checks (gradients, variance, optimizers, round trips)
               gradwell help [COMMAND]            one command's help (also: gradwell COMMAND --help)
        options:
          --max-line-bytes N   longest request line accepted (default 67108864)
          --max-elements N     most elements in any one tensor (default 268435456)
          --max-epochs N       most epochs one train may ask for (default 1000000000)
          --threads N          compute threads (default 1; results are bit-identical for a fixed count)
          --denormals MODE     flush (default: subnormal numbers become zero, no slow path) or keep
                               (IEEE gradual underflow, as NumPy and PyTorch)
          --data-root DIR      every path a request names must resolve inside DIR (relative ones are
                               taken from DIR); others are refused with -32602
          --record FILE        append every request, response and notification to FILE (a run log)
          --plugin LIB.so      load a run-time plugin (repeatable; also GRADWELL_PLUGINS=a.so:b.so)
          --version, --help
        """

    /// Each command's own help: `gradwell help COMMAND` or `gradwell COMMAND --help`.
    static let commandHelp: [String: String] = [
        "serve": """
            usage: gradwell [options]
            Serves JSON-RPC 2.0 on stdin/stdout: one request per line in, one response per line out,
            with `metric` and `trial` notifications while a request runs. The protocol is
            plugins-spec/PROTOCOL.md; `initialize` reports its version, the limits and this machine.
            Options: --threads N, --denormals flush|keep, --data-root DIR, --record FILE, --plugin LIB.so,
            --max-line-bytes N, --max-elements N, --max-epochs N (see `gradwell --help`).
            """,
        "run": """
            usage: gradwell run FILE.jsonl [--json] [options]
            Runs a file of requests (one JSON-RPC request per line, as a client would send them) and
            prints a table: one row per request with its method, outcome and key figures (cost,
            accuracy, epochs, wall time), and a progress bar on a terminal while training.
              --json     print the raw responses and notifications instead of the table
            Exits 0 when every request succeeded, 1 when one was refused or failed, 2 for a file it
            cannot read. Example: gradwell run examples/optimization.jsonl
            """,
        "replay": """
            usage: gradwell replay LOG [--verify] [options]
            Re-sends the requests of a run log (written by `gradwell --record LOG`) to a fresh host in
            this process, with the recorded --denormals and limits.
              --verify   compare every answer and notification with the recorded one, bit for bit
                         (timing fields and the machine description excepted); the first difference
                         is named by its path (result.history[3].cost) with both values. A log from
                         another ISA or BLAS kernel is noted up front; a data file whose checksum
                         changed since it was recorded is named.
            Exits 0 when identical, 1 at the first difference, 2 for a file that is not a run log.
            """,
        "report": """
            usage: gradwell report LOG [-o OUT.html] [--svg DIR] [--log-cost]
            Writes a self-contained HTML report (inline SVG plots, tables) of a run log: learning
            curves, learning rates, gradient norms, search results, decision boundaries.
              -o OUT.html  where to write it (default report.html in the working directory; the path
                           written is printed either way)
              --svg DIR    also write each plot as an SVG file into DIR
              --log-cost   plot costs on a log scale
            """,
        "check": """
            usage: gradwell check [--only NAME[,NAME...]] [--kind KIND] [--json] [--plugin LIB.so]
            Runs registered components through the conformance checks: float64 gradient checks of
            layers, losses and regularizers; initializer variance; optimizer convergence, resume from
            a snapshot and (when the optimizer gives one) its reference trajectory; config round trips.
              --only NAMES  check only these components (comma-separated names, any kind)
              --kind KIND   check only this kind: layer, initializer, regularizer, optimizer,
                            schedule, loss
              --json        print the `registry/check` result instead of lines
            Ends with "N passed, M failed"; exits 0 when every checked component passed, 1 if one
            failed, 2 when --only names no registered component.
            """,
        "help": """
            usage: gradwell help [COMMAND]
            Prints the general usage, or one command's: serve, run, replay, report, check.
            """,
    ]

    /// Runs the command line and exits with its status.
    public static func main(registry: Registry = .builtins, arguments: [String] = CommandLine.arguments) -> Never {
        // OpenBLAS reads OPENBLAS_CORETYPE only when it loads: restart now if it chose too old a core.
        BLASCore.ensureBest(arguments: CommandLine.arguments)
        exit(run(registry: registry, arguments: Array(arguments.dropFirst())))
    }

    static func run(registry baseRegistry: Registry, arguments: [String]) -> Int32 {
        var limits = Limits()
        var threads = 1
        var denormals = Denormals.flush
        var positional: [String] = []
        var json = false
        var verify = false
        var recordPath: String?
        var pluginFlags: [String] = []
        var reportOutput = "report.html"
        var svgDirectory: String?
        var logCost = false
        var wantsHelp = false
        var outputGiven = false
        var onlyNames: [String]?
        var onlyKind: ComponentKind?
        var index = 0
        func value(_ flag: String) -> Int? {
            index += 1
            guard index < arguments.count, let number = Int(arguments[index]), number > 0 else {
                FileHandle.standardError.write(Data("gradwell: \(flag) needs a positive integer\n\(usage)\n".utf8))
                return nil
            }
            return number
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--help", "-h":
                wantsHelp = true
            case "--only":
                index += 1
                guard index < arguments.count, !arguments[index].isEmpty else {
                    FileHandle.standardError.write(Data("gradwell: --only needs component names (comma-separated)\n".utf8))
                    return 2
                }
                onlyNames = arguments[index].split(separator: ",").map(String.init)
            case "--kind":
                index += 1
                guard index < arguments.count, let kind = ComponentKind(rawValue: arguments[index]) else {
                    let kinds = ComponentKind.allCases.map(\.rawValue).joined(separator: ", ")
                    FileHandle.standardError.write(Data("gradwell: --kind needs one of \(kinds)\n".utf8))
                    return 2
                }
                onlyKind = kind
            case "--version":
                print("gradwell \(Session.version) (protocol \(Session.protocolVersion))")
                print("machine: \(Machine.current.summary)")
                return 0
            case "--max-line-bytes":
                guard let n = value(argument) else { return 2 }
                limits.maxLineBytes = n
            case "--max-elements":
                guard let n = value(argument) else { return 2 }
                limits.maxElements = n
            case "--max-epochs":
                guard let n = value(argument) else { return 2 }
                limits.maxEpochs = n
            case "--threads":
                guard let n = value(argument) else { return 2 }
                guard n <= BLASThreads.maximum else {
                    FileHandle.standardError.write(Data("gradwell: --threads takes 1 to \(BLASThreads.maximum), got \(n)\n\(usage)\n".utf8))
                    return 2
                }
                threads = n
            case "--denormals":
                index += 1
                guard index < arguments.count, let mode = Denormals(rawValue: arguments[index]) else {
                    FileHandle.standardError.write(Data("gradwell: --denormals needs flush or keep\n\(usage)\n".utf8))
                    return 2
                }
                denormals = mode
            case "--json":
                json = true
            case "--verify":
                verify = true
            case "--log-cost":
                logCost = true
            case "-o", "--svg":
                index += 1
                guard index < arguments.count else {
                    FileHandle.standardError.write(Data("gradwell: \(argument) needs a path\n".utf8))
                    return 2
                }
                if argument == "-o" { reportOutput = arguments[index]; outputGiven = true } else { svgDirectory = arguments[index] }
            case "--plugin":
                index += 1
                guard index < arguments.count else {
                    FileHandle.standardError.write(Data("gradwell: --plugin needs a library path\n".utf8))
                    return 2
                }
                pluginFlags.append(arguments[index])
            case "--data-root":
                index += 1
                guard index < arguments.count, let root = PathPolicy.canonicalRoot(arguments[index]) else {
                    FileHandle.standardError.write(Data("gradwell: --data-root needs an existing directory\n".utf8))
                    return 2
                }
                limits.dataRoot = root
            case "--record":
                index += 1
                guard index < arguments.count else {
                    FileHandle.standardError.write(Data("gradwell: --record needs a file\n".utf8))
                    return 2
                }
                recordPath = arguments[index]
            default:
                if argument.hasPrefix("-") {
                    FileHandle.standardError.write(Data("gradwell: unknown option \(argument)\n\(usage)\n".utf8))
                    return 2
                }
                positional.append(argument)
            }
            index += 1
        }
        if positional.first == "help" || wantsHelp {
            let topic = positional.first == "help" ? positional.dropFirst().first : positional.first
            guard let topic else {
                print(usage)
                return 0
            }
            guard let text = commandHelp[topic] else {
                FileHandle.standardError.write(Data("gradwell: no command '\(topic)'\(Suggestion.closest(to: topic, in: Array(commandHelp.keys)).map { "; did you mean '\($0)'?" } ?? ""); commands: \(commandHelp.keys.sorted().joined(separator: ", "))\n".utf8))
                return 2
            }
            print(text)
            return 0
        }
        Denormals.set(denormals)
        if let failure = BLASThreads.set(threads) {
            FileHandle.standardError.write(Data("gradwell: cannot start \(threads - 1) worker threads for --threads \(threads): \(failure)\n".utf8))
            return 2
        }
        Server.installSignalHandlers()
        let registry: Registry
        do {
            registry = try PluginLoader.load(PluginLoader.paths(flags: pluginFlags, environment: ProcessInfo.processInfo.environment),
                                             into: baseRegistry)
        } catch {
            FileHandle.standardError.write(Data("gradwell: \(error)\n".utf8))
            return 2
        }
        let session = Session(registry: registry, limits: limits)
        session.workerArguments = ["--threads", "1", "--denormals", denormals.rawValue, "--max-line-bytes", String(limits.maxLineBytes),
                                   "--max-elements", String(limits.maxElements), "--max-epochs", String(limits.maxEpochs)]
            + (limits.dataRoot.map { ["--data-root", $0] } ?? [])
            + PluginLoader.paths(flags: pluginFlags, environment: [:]).flatMap { ["--plugin", $0] }
        var log: RunLog?
        if let recordPath {
            do {
                log = try RunLog(path: recordPath)
            } catch let error as GradwellError {
                FileHandle.standardError.write(Data("gradwell: \(error.message)\n".utf8))
                return 2
            } catch {
                return 2
            }
            log?.writeHeader(threads: threads, limits: limits)
        }
        switch positional.first {
        case nil:
            let output = LineWriter(descriptor: 1)
            if let log { output.tap = { log.write($0) } }
            return Server(session: session, output: output, log: log).serve(maxLineBytes: limits.maxLineBytes)
        case "report":
            guard positional.count == 2 else {
                FileHandle.standardError.write(Data("gradwell: report needs one log file\n\(usage)\n".utf8))
                return 2
            }
            let status = ReportCommand(session: session, path: positional[1], output: reportOutput, svgDirectory: svgDirectory,
                                       logCost: logCost).execute()
            if status == 0 && !outputGiven {
                FileHandle.standardError.write(Data("gradwell report: wrote \(reportOutput) (choose the file with -o)\n".utf8))
            }
            return status
        case "check":
            let reports = Conformance.run(registry) { kind, name in
                (onlyKind == nil || kind == onlyKind) && (onlyNames == nil || onlyNames!.contains(name)
                    || onlyNames!.contains { name.hasPrefix("\($0)(") })
            }
            if reports.isEmpty, let onlyNames {
                let known = ComponentKind.allCases.flatMap { registry.names($0) }
                let hints = onlyNames.compactMap { name in Suggestion.closest(to: name, in: known).map { "'\(name)': did you mean '\($0)'?" } }
                FileHandle.standardError.write(Data("gradwell check: no registered component named \(onlyNames.joined(separator: ", "))\(hints.isEmpty ? "" : " (" + hints.joined(separator: "; ") + ")")\n".utf8))
                return 2
            }
            if json {
                print(JSON.encode(Methods.conformanceValue(reports)))
            } else {
                for report in reports {
                    print("\(report.passed ? "ok  " : "FAIL") \(report.kind.rawValue) \(report.name) (\(report.origin))")
                    for check in report.checks where !check.passed || report.origin != "builtin" {
                        print("     \(check.passed ? "ok  " : "FAIL") \(check.name): \(check.detail)")
                    }
                }
                let failed = reports.filter { !$0.passed }.count
                print("\(reports.count - failed) passed, \(failed) failed")
            }
            return reports.allSatisfy(\.passed) ? 0 : 1
        case "replay":
            guard positional.count == 2 else {
                FileHandle.standardError.write(Data("gradwell: replay needs one log file\n\(usage)\n".utf8))
                return 2
            }
            return ReplayCommand(session: session, path: positional[1], verify: verify).execute()
        case "run":
            guard positional.count == 2 else {
                FileHandle.standardError.write(Data("gradwell: run needs one file\n\(usage)\n".utf8))
                return 2
            }
            return RunCommand(session: session, path: positional[1], json: json).execute()
        default:
            let hint = Suggestion.closest(to: positional[0], in: Array(commandHelp.keys)).map { "; did you mean '\($0)'?" } ?? ""
            FileHandle.standardError.write(Data("gradwell: unknown command \(positional[0])\(hint)\n\(usage)\n".utf8))
            return 2
        }
    }
}
