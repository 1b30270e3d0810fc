import Foundation
import GradwellProtocols
#if canImport(Glibc)
import Glibc
#endif

/// `gradwell replay LOG [--verify]`: re-sends a run log's requests to a fresh host (a new
/// session in this process, through the same dispatcher) and, with --verify, compares every
/// response and notification with the recorded one, bit for bit except timing fields.
struct ReplayCommand {
    let session: Session
    let path: String
    let verify: Bool

    /// Fields that measure time or describe the machine, not results.
    static let timingKeys: Set<String> = ["wall_ms", "started", "machine"]

    private func fail(_ message: String, status: Int32) -> Int32 {
        FileHandle.standardError.write(Data("gradwell replay: \(message)\n".utf8))
        return status
    }

    func execute() -> Int32 {
        var session = self.session
        // The log's own requests may not write over it (a model/save naming it).
        Files.protect(path: path)
        let bytes: [UInt8]
        do { bytes = try Files.read(path) } catch let error as GradwellError { return fail(error.message, status: 2) } catch { return 2 }
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map { Array($0) }
        if lines.last?.isEmpty == true { lines.removeLast() }
        // Each line: input to send, or recorded output to compare, in order.
        enum Entry { case input(LineReader.Line, line: Int), output(ConfigValue, line: Int) }
        var entries: [Entry] = []
        var sawHeader = false
        var machineNote: String?
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            var text = raw
            if text.last == 13 { text.removeLast() }
            if text.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            guard case .success(let message) = JSON.parse(text) else {
                let reason = (try? JSON.parse(text).get()) == nil ? "not valid JSON (truncated or edited?)" : ""
                return fail("\(path):\(number): \(reason)", status: 2)
            }
            let method = message["method"]?.stringValue
            if number == 1 || method == RunLog.headerMethod {
                sawHeader = true
                guard method == RunLog.headerMethod else { return fail("\(path):1: not a gradwell run log (no $/record header)", status: 2) }
                let version = message["params"]?["protocol"]?.intValue
                guard version == Session.protocolVersion else {
                    return fail("\(path): recorded with protocol \(version.map(String.init) ?? "unknown"); this host speaks protocol \(Session.protocolVersion)", status: 2)
                }
                // Replayed with the recorded treatment of subnormal numbers (logs from before
                // the setting was recorded ran with IEEE gradual underflow).
                let recorded = message["params"]?["denormals"]?.stringValue
                guard let denormals = recorded.map({ Denormals(rawValue: $0) }) ?? .keep else {
                    return fail("\(path):1: unknown denormals mode \(recorded ?? "")", status: 2)
                }
                Denormals.set(denormals)
                machineNote = Self.machineDifference(recorded: message["params"]?["machine"])
                // The request bounds it was recorded with (logs from before they were recorded: this host's).
                if let bounds = message["params"]?["limits"] {
                    guard let lineBytes = bounds["max_line_bytes"]?.intValue, lineBytes > 0,
                          let elements = bounds["max_elements"]?.intValue, elements > 0,
                          let epochs = bounds["max_epochs"]?.intValue, epochs > 0 else {
                        return fail("\(path):1: malformed limits in the $/record header", status: 2)
                    }
                    session = session.withBounds(maxLineBytes: lineBytes, maxElements: elements, maxEpochs: epochs)
                }
                continue
            }
            if method == RunLog.unparsedMethod {
                if message["params"]?["too_long"]?.boolValue == true {
                    entries.append(.input(.tooLong(length: message["params"]?["bytes"]?.intValue ?? 0), line: number))
                } else {
                    entries.append(.input(.text(Array((message["params"]?["text"]?.stringValue ?? "").utf8)), line: number))
                }
            } else if (method == nil && (message["result"] != nil || message["error"] != nil)) || message.isArray
                        || (method.map(RunLog.hostNotifications.contains) == true && message["id"] == nil) {
                entries.append(.output(message, line: number))
            } else {
                entries.append(.input(.text(text), line: number))
            }
        }

        guard sawHeader else { return fail("\(path): an empty file, not a run log (no $/record header)", status: 2) }
        if verify, let machineNote {
            FileHandle.standardError.write(Data("gradwell replay: note: \(machineNote)\n".utf8))
        }
        let hint = machineNote == nil ? "" : "\n  (the log was recorded with another ISA or BLAS kernel; see the note above)"
        var produced: [String] = []
        let stdout = LineWriter(descriptor: 1)
        let cancellations = RecordedCancellations(recorded: entries.compactMap { if case .output(let value, _) = $0 { value } else { nil } })
        let dispatcher = Dispatcher(session: session, emit: { produced.append($0) }, isCancelled: { cancellations.isCancelled($0) })
        var pendingNumber = 0, dispatchedNumber = 0
        func dispatch(_ line: LineReader.Line) {
            dispatchedNumber = pendingNumber
            if case .text(let bytes) = line, case .success(let request) = JSON.parse(bytes) { cancellations.starting(request) }
            dispatcher.handle(line)
        }
        var expected: [(ConfigValue, Int)] = []
        var compared = 0, sent = 0
        func check() -> Int32? {
            defer { produced.removeAll(); expected.removeAll() }
            if !verify {
                produced.forEach(stdout.write)
                return nil
            }
            for (index, (recorded, line)) in expected.enumerated() {
                guard index < produced.count else { return fail("\(path):\(line): recorded \(JSON.encode(recorded).prefix(300)) but the replay produced nothing", status: 1) }
                let replayed = (try? JSON.parse(Array(produced[index].utf8)).get()) ?? .null
                if let changed = Self.changedDataFile(recorded: recorded, replayed: replayed) {
                    return fail("\(path):\(line): \(changed)", status: 1)
                }
                if let difference = Self.firstDifference(Self.withoutTiming(recorded), Self.withoutTiming(replayed)) {
                    return fail("\(path):\(line): \(difference.message)\(hint)", status: 1)
                }
                compared += 1
            }
            if produced.count > expected.count {
                return fail("\(path): the replay produced a line the log does not have after line \(expected.last?.1 ?? dispatchedNumber): \(produced[expected.count].prefix(300))", status: 1)
            }
            return nil
        }
        var pending: LineReader.Line?
        for entry in entries {
            switch entry {
            case .output(let value, let line):
                expected.append((value, line))
            case .input(let line, let number):
                if let previous = pending {
                    dispatch(previous)
                    sent += 1
                    if let status = check() { return status }
                    if let signal = cancellations.signal { return fail("stopped by signal \(signal)", status: 128 + signal) }
                }
                pending = line
                pendingNumber = number
            }
        }
        if let previous = pending {
            dispatch(previous)
            sent += 1
            if let status = check() { return status }
            if let signal = cancellations.signal { return fail("stopped by signal \(signal)", status: 128 + signal) }
        }
        if verify {
            FileHandle.standardError.write(Data("gradwell replay: \(sent) requests replayed, \(compared) responses and notifications identical\n".utf8))
        }
        return 0
    }

    /// How the recorded machine's compute identity differs from this one's, or nil when it does
    /// not (or the log predates recording it).
    static func machineDifference(recorded: ConfigValue?) -> String? {
        let then = Machine.recordedIdentity(recorded)
        guard !then.isEmpty else { return nil }
        let now = Machine.current.computeIdentity
        let changed = then.compactMap { old -> String? in
            guard let current = now.first(where: { $0.name == old.name }), current.value != old.value else { return nil }
            return "\(old.name) \(old.value) then, \(current.value) now"
        }
        guard !changed.isEmpty else { return nil }
        var note = "the log was recorded on another machine or kernel (\(changed.joined(separator: "; "))): float results can differ in the last bits"
        if let core = then.first(where: { $0.name == "blas_core" })?.value, core != Machine.current.blasCore {
            note += "; to run the recorded BLAS kernel, set OPENBLAS_CORETYPE=\(core)"
        }
        return note
    }

    /// The first place where a replayed message differs from the recorded one.
    struct Difference {
        var path: String
        var recorded: String
        var replayed: String
        var message: String {
            return "differs at \(path.isEmpty ? "the top level" : path): recorded \(recorded), replayed \(replayed)"
        }
    }

    /// dataset/load answers list each file read with its size and SHA-256: a file whose
    /// checksum differs from the recorded one is named, before any number it changed.
    static func changedDataFile(recorded: ConfigValue, replayed: ConfigValue) -> String? {
        guard let then = recorded["result"]?["files"]?.arrayValue, let now = replayed["result"]?["files"]?.arrayValue else { return nil }
        for (old, new) in zip(then, now) where old["sha256"] != new["sha256"] {
            let file = old["path"]?.stringValue ?? "?"
            return "data file \(file) changed since the log was recorded (sha256 \(old["sha256"]?.stringValue ?? "?") then, "
                + "\(new["sha256"]?.stringValue ?? "?") now; \(old["bytes"]?.intValue.map(String.init) ?? "?") bytes then, "
                + "\(new["bytes"]?.intValue.map(String.init) ?? "?") now)"
        }
        return nil
    }

    static func firstDifference(_ recorded: ConfigValue, _ replayed: ConfigValue, path: String = "") -> Difference? {
        func shown(_ value: ConfigValue?) -> String { value.map { String(JSON.encode($0).prefix(200)) } ?? "nothing (absent)" }
        switch (recorded, replayed) {
        case (.object(let a), .object(let b)):
            for entry in a {
                let other = b.first { $0.key == entry.key }?.value
                let inner = path.isEmpty ? entry.key : "\(path).\(entry.key)"
                guard let other else { return Difference(path: inner, recorded: shown(entry.value), replayed: shown(nil)) }
                if let difference = firstDifference(entry.value, other, path: inner) { return difference }
            }
            if let extra = b.first(where: { entry in !a.contains { $0.key == entry.key } }) {
                return Difference(path: path.isEmpty ? extra.key : "\(path).\(extra.key)", recorded: shown(nil), replayed: shown(extra.value))
            }
            return nil
        case (.array(let a), .array(let b)):
            for (index, pair) in zip(a, b).enumerated() {
                if let difference = firstDifference(pair.0, pair.1, path: "\(path)[\(index)]") { return difference }
            }
            if a.count != b.count {
                return Difference(path: path, recorded: "\(a.count) items", replayed: "\(b.count) items")
            }
            return nil
        default:
            let a = JSON.encode(recorded), b = JSON.encode(replayed)
            return a == b ? nil : Difference(path: path, recorded: shown(recorded), replayed: shown(replayed))
        }
    }

    static func withoutTiming(_ value: ConfigValue) -> ConfigValue {
        switch value {
        case .object(let entries):
            return .object(entries.filter { !timingKeys.contains($0.key) }.map { ConfigEntry(key: $0.key, value: withoutTiming($0.value)) })
        case .array(let items):
            return .array(items.map(withoutTiming))
        default:
            return value
        }
    }
}

extension ConfigValue {
    var isArray: Bool { if case .array = self { return true } else { return false } }
}
