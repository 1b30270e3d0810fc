import GradwellProtocols
import Synchronization

/// The requests a run log shows cancelled (-32005), with the steps each had done, for commands
/// that re-run a log (`replay`, `report`): each such request is stopped after that many steps,
/// as the recorded host stopped it, instead of running to its full length (a `train` of 10^9
/// epochs cancelled after a second would run for days). SIGINT and SIGTERM stop the running
/// request too, and the command then ends.
///
/// A train checks for cancellation once before it starts (the dispatcher) and once after each
/// step, so stopping at check `steps + 1` reproduces the recorded cut. A cancelled `search`
/// records the trials it finished, not steps: it is stopped at its first check (its replay
/// differs from the log, as a cancelled search cannot be re-run to the same cut).
final class RecordedCancellations {
    /// Per request id, in log order: the steps of each recorded answer that was -32005, nil
    /// for answers that were not.
    private var budgets: [String: [Int?]] = [:]
    private var current: [String: (budget: Int, checks: Int)] = [:]

    /// Reads the recorded answers (responses and batch answers) of a log.
    init(recorded messages: [ConfigValue]) {
        for message in messages {
            for response in message.arrayValue ?? [message] {
                guard response["method"] == nil, let id = response["id"], !id.isNull,
                      response["result"] != nil || response["error"] != nil else { continue }
                var budget: Int?
                if response["error"]?["code"]?.intValue == GradwellError.Code.cancelled.rawValue {
                    budget = response["error"]?["data"]?["steps"]?.intValue ?? 0
                }
                budgets[JSON.encode(id), default: []].append(budget)
            }
        }
    }

    /// Called as a request (or each request of a batch) is handed to the dispatcher.
    func starting(_ request: ConfigValue) {
        for item in request.arrayValue ?? [request] {
            guard let id = item["id"], !id.isNull else { continue }
            let key = JSON.encode(id)
            current[key] = nil
            guard var queue = budgets[key], !queue.isEmpty else { continue }
            let budget = queue.removeFirst()
            budgets[key] = queue
            if let budget { current[key] = (budget, 0) }
        }
    }

    /// Whether the request `key` is to stop now.
    func isCancelled(_ key: String) -> Bool {
        if stopSignal.load(ordering: .relaxed) != 0 { return true }
        guard var state = current[key] else { return false }
        state.checks += 1
        current[key] = state
        return state.checks > state.budget
    }

    /// The signal that stopped the command, if one did.
    var signal: Int32? {
        let value = stopSignal.load(ordering: .relaxed)
        return value != 0 ? value : nil
    }
}
