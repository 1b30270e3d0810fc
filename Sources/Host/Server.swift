import Foundation
import GradwellProtocols
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM: a running `train` stops at the end of its step, is answered as
/// cancelled, and the host exits 0.
let stopSignal = Atomic<Int32>(0)

/// Serves JSON-RPC on stdin/stdout: a reader thread splits stdin into lines (acting on
/// `$/cancel` at once), and this thread answers them in order.
final class Server: @unchecked Sendable {
    private let session: Session
    private let output: LineWriter
    private let condition = NSCondition()
    /// Lines read and not yet served: `queue[queueHead...]` (taken by index, compacted now and
    /// then, so a deep pipeline of requests costs no memmove per line).
    private var queue: [LineReader.Line] = []
    private var queueHead = 0
    private var inputEnded = false
    private let cancelLock = NSLock()
    private var cancelled: Set<String> = []

    private let log: RunLog?

    init(session: Session, output: LineWriter, log: RunLog? = nil) {
        self.session = session
        self.output = output
        self.log = log
    }

    static func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in stopSignal.store(signal, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        // A parent may start us with these blocked (the mask is inherited); we want them.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        sigaddset(&wanted, SIGINT)
        sigaddset(&wanted, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
    }

    func isCancelled(_ key: String) -> Bool {
        if stopSignal.load(ordering: .relaxed) != 0 || outputGone() { return true }
        cancelLock.lock()
        defer { cancelLock.unlock() }
        return cancelled.contains(key)
    }

    /// Reads until EOF or `shutdown`; returns the exit status.
    func serve(maxLineBytes: Int) -> Int32 {
        let reader = Thread { [self] in
            let lines = LineReader(descriptor: 0, maximumLength: maxLineBytes)
            while let line = lines.next() {
                noteCancellation(line)
                condition.lock()
                queue.append(line)
                condition.signal()
                condition.unlock()
            }
            condition.lock()
            inputEnded = true
            condition.signal()
            condition.unlock()
        }
        reader.stackSize = 16 << 20
        reader.start()

        let dispatcher = Dispatcher(session: session, emit: { [output] in output.write($0) },
                                    isCancelled: { [self] in isCancelled($0) })
        dispatcher.log = log
        dispatcher.onFinished = { [self] key in
            cancelLock.lock()
            cancelled.remove(key)
            cancelLock.unlock()
        }
        while true {
            condition.lock()
            while queueHead == queue.count && !inputEnded && stopSignal.load(ordering: .relaxed) == 0 {
                _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
            }
            if stopSignal.load(ordering: .relaxed) != 0 || (queueHead == queue.count && inputEnded) {
                let unanswered = Array(queue[queueHead...])
                queue.removeAll()
                queueHead = 0
                condition.unlock()
                answerUnstarted(unanswered)
                return 0
            }
            let line = queue[queueHead]
            queueHead += 1
            if queueHead == queue.count {
                queue.removeAll(keepingCapacity: true)
                queueHead = 0
            } else if queueHead >= 4096 && queueHead * 2 >= queue.count {
                queue.removeSubrange(0..<queueHead)
                queueHead = 0
            }
            condition.unlock()
            dispatcher.handle(line)
            if session.shutdownRequested || outputGone() { return 0 }
        }
    }

    /// On a signal, every request read but not started is answered as cancelled, so each id
    /// still gets exactly one response.
    private func answerUnstarted(_ lines: [LineReader.Line]) {
        for case .text(let bytes) in lines {
            guard case .success(let message) = JSON.parse(bytes), let id = message["id"], message["method"] != nil else { continue }
            output.write(JSON.encode(Dispatcher.errorResponse(id: id, GradwellError(.cancelled,
                "the host is stopping (signal) and did not start this request",
                data: [ConfigEntry(key: "epochs", value: .int(0)), ConfigEntry(key: "steps", value: .int(0)),
                       ConfigEntry(key: "cost", value: .null)]))))
        }
    }

    private var lastOutputCheck = 0.0

    /// True when nobody can read our answers any more (the client died): running work is then
    /// cancelled instead of training on for hours. Checked at most every 0.2 s.
    private func outputGone() -> Bool {
        if output.closed { return true }
        let now = Date().timeIntervalSince1970
        guard now - lastOutputCheck > 0.2 else { return false }
        lastOutputCheck = now
        var descriptor = pollfd(fd: 1, events: Int16(POLLOUT), revents: 0)
        guard poll(&descriptor, 1, 0) == 1 else { return false }
        return descriptor.revents & Int16(POLLERR | POLLHUP) != 0
    }

    private static let cancelWord = Array("cancel".utf8)

    private static func contains(_ bytes: [UInt8], _ word: [UInt8]) -> Bool {
        guard bytes.count >= word.count else { return false }
        for i in 0...(bytes.count - word.count) where bytes[i] == word[0] {
            var j = 1
            while j < word.count && bytes[i + j] == word[j] { j += 1 }
            if j == word.count { return true }
        }
        return false
    }

    /// `$/cancel` acts as soon as it is read, even while another request runs.
    private func noteCancellation(_ line: LineReader.Line) {
        guard case .text(let bytes) = line, bytes.count < 4096 else { return }
        guard Self.contains(bytes, Self.cancelWord),  // also "$\/cancel"
              case .success(let message) = JSON.parse(bytes),
              message["jsonrpc"] == .string("2.0"), message["method"] == .string("$/cancel"),
              let params = message["params"]?.objectEntries, params.count == 1, let target = message["params"]?["id"],
              !target.isNull else { return }
        cancelLock.lock()
        cancelled.insert(JSON.encode(target))
        cancelLock.unlock()
    }
}
