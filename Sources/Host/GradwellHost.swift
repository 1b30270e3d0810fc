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
    /// The general usage, made from the command and option tables (`CommandLineTable`).
    public static var usage: String { CommandLineTable.usage }

    /// Runs the command line and exits with its status.
    public static func main(registry: Registry = .builtins, arguments: [String] = CommandLine.arguments) -> Never {
        // OpenBLAS reads OPENBLAS_CORETYPE only when it loads: restart now if it chose too old a core.
        BLASCore.ensureBest(arguments: CommandLine.arguments)
        exit(run(registry: registry, arguments: Array(arguments.dropFirst())))
    }

    static func run(registry baseRegistry: Registry, arguments: [String]) -> Int32 {
        let invocation: Invocation
        switch CommandLineTable.parse(arguments) {
        case .success(let parsed): invocation = parsed
        case .failure(let error):
            FileHandle.standardError.write(Data("gradwell: \(error.message)\n\(error.showUsage ? usage + "\n" : "")".utf8))
            return 2
        }
        if invocation.wantsVersion {
            print("gradwell \(Session.version) (protocol \(Session.protocolVersion))")
            print("machine: \(Machine.current.summary)")
            return 0
        }
        if invocation.wantsHelp || invocation.command == "help" {
            let topic = invocation.command == "help" ? invocation.operands.first : (invocation.command == "serve" ? nil : invocation.command)
            guard let topic else {
                print(usage)
                return 0
            }
            guard let command = CommandLineTable.command(topic) else {
                let names = CommandLineTable.commands.map(\.name)
                let hint = Suggestion.closest(to: topic, in: names).map { "; did you mean '\($0)'?" } ?? ""
                FileHandle.standardError.write(Data("gradwell: no command '\(topic)'\(hint); commands: \(names.joined(separator: ", "))\n".utf8))
                return 2
            }
            print(CommandLineTable.help(command))
            return 0
        }
        Denormals.set(invocation.denormals)
        if let failure = BLASThreads.set(invocation.threads) {
            FileHandle.standardError.write(Data("gradwell: cannot start \(invocation.threads - 1) worker threads for --threads \(invocation.threads): \(failure)\n".utf8))
            return 2
        }
        Server.installSignalHandlers()
        let registry: Registry
        do {
            registry = try PluginLoader.load(PluginLoader.paths(flags: invocation.pluginFlags, environment: ProcessInfo.processInfo.environment),
                                             into: baseRegistry)
        } catch {
            FileHandle.standardError.write(Data("gradwell: \(error)\n".utf8))
            return 2
        }
        let limits = invocation.limits
        let session = Session(registry: registry, limits: limits)
        session.workerArguments = ["--threads", "1", "--denormals", invocation.denormals.rawValue, "--max-line-bytes", String(limits.maxLineBytes),
                                   "--max-elements", String(limits.maxElements), "--max-epochs", String(limits.maxEpochs)]
            + (limits.dataRoot.map { ["--data-root", $0] } ?? [])
            + PluginLoader.paths(flags: invocation.pluginFlags, environment: [:]).flatMap { ["--plugin", $0] }
        var log: RunLog?
        if let recordPath = invocation.recordPath {
            do {
                log = try RunLog(path: recordPath)
            } catch let error as GradwellError {
                FileHandle.standardError.write(Data("gradwell: \(error.message)\n".utf8))
                return 2
            } catch {
                return 2
            }
            log?.writeHeader(threads: invocation.threads, limits: limits)
        }
        return CommandLineTable.command(invocation.command)!.run(invocation, CommandContext(registry: registry, session: session, log: log))
    }
}

/// The commands that are more than a call into their own type.
enum HostCommands {
    static func serve(_ invocation: Invocation, _ context: CommandContext) -> Int32 {
        let output = LineWriter(descriptor: 1)
        if let log = context.log { output.tap = { log.write($0) } }
        return Server(session: context.session, output: output, log: context.log).serve(maxLineBytes: invocation.limits.maxLineBytes)
    }

    static func report(_ invocation: Invocation, _ context: CommandContext) -> Int32 {
        let output = invocation.reportOutput ?? "report.html"
        let status = ReportCommand(session: context.session, path: invocation.operands[0], output: output,
                                   svgDirectory: invocation.svgDirectory, logCost: invocation.logCost).execute()
        if status == 0 && invocation.reportOutput == nil {
            FileHandle.standardError.write(Data("gradwell report: wrote \(output) (choose the file with -o)\n".utf8))
        }
        return status
    }

    static func check(_ invocation: Invocation, _ context: CommandContext) -> Int32 {
        let (onlyKind, onlyNames) = (invocation.onlyKind, invocation.onlyNames)
        let reports = Conformance.run(context.registry) { kind, name in
            (onlyKind == nil || kind == onlyKind) && (onlyNames == nil || onlyNames!.contains(name)
                || onlyNames!.contains { name.hasPrefix("\($0)(") })
        }
        if reports.isEmpty, let onlyNames {
            let known = ComponentKind.allCases.flatMap { context.registry.names($0) }
            let hints = onlyNames.compactMap { name in Suggestion.closest(to: name, in: known).map { "'\(name)': did you mean '\($0)'?" } }
            FileHandle.standardError.write(Data("gradwell check: no registered component named \(onlyNames.joined(separator: ", "))\(hints.isEmpty ? "" : " (" + hints.joined(separator: "; ") + ")")\n".utf8))
            return 2
        }
        if invocation.json {
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
    }
}
