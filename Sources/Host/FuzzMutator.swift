import Foundation
import GradwellBuiltins
import GradwellProtocols

/// The structure-aware half of the fuzzer: instead of flipping bytes, it parses a line of the
/// input as JSON and changes one thing a client could get wrong — a value's type, a number at a
/// boundary (0, -1, 2^63, 1e400, NaN), a name the registry does not know, a missing or an extra
/// key, a duplicated key, deep nesting — or splices in a valid request, so inputs keep reaching
/// validation and dispatch instead of dying in the JSON parser.
extension FuzzEntry {
    /// Mutates the request lines in `data` in place; returns the new size, or nil when no line
    /// parses (the caller then falls back to byte-level mutation).
    public static func mutate(_ data: UnsafeMutablePointer<UInt8>, size: Int, maxSize: Int, seed: UInt32) -> Int? {
        var random = FuzzRandom(seed: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(size))
        var lines = Array(UnsafeBufferPointer(start: data, count: size))
            .split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        switch random.below(10) {
        case 0:  // splice in a valid request from the protocol's own examples
            lines.insert(Array(random.pick(cannedRequests).utf8), at: random.below(lines.count + 1))
        case 1 where lines.count > 1:  // reorder or drop a line
            let a = random.below(lines.count), b = random.below(lines.count)
            if random.below(2) == 0 { lines.swapAt(a, b) } else { lines.remove(at: a) }
        default:
            let parsed = lines.indices.compactMap { index -> (Int, ConfigValue)? in
                if case .success(let value) = JSON.parse(lines[index]) { return (index, value) }
                return nil
            }
            guard !parsed.isEmpty else { return nil }
            var (index, value) = random.pick(parsed)
            mutateNode(&value, depth: 0, random: &random)
            lines[index] = Array(rawTokens(JSON.encode(value)).utf8)
        }
        let joined = Array(lines.joined(separator: [10]))
        guard joined.count <= maxSize else { return nil }
        for (offset, byte) in joined.enumerated() { data[offset] = byte }
        return joined.count
    }

    /// Tokens JSON values cannot hold (numbers out of range, non-standard literals, a key twice):
    /// written as marked strings and replaced by raw text after encoding.
    private static let rawMarker = "@@raw@@"
    private static let rawValues = ["1e400", "-1e400", "NaN", "Infinity", "-0", "9223372036854775808",
                                    "-9223372036854775809", "18446744073709551616", "1e-400", "0.0000001e7",
                                    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "\"\\ud800\"",
                                    "\"a\\u0000b\"", "{\"type\":1,\"type\":2}"]

    private static func rawTokens(_ text: String) -> String {
        guard text.contains(rawMarker) else { return text }
        var out = text
        for raw in rawValues { out = out.replacingAll("\"\(rawMarker)\(escaped(raw))\"", with: raw) }
        return out
    }

    private static func escaped(_ raw: String) -> String {
        var out = ""
        JSON.writeString(raw, to: &out)
        return String(out.dropFirst().dropLast())
    }

    private static func mutateNode(_ value: inout ConfigValue, depth: Int, random: inout FuzzRandom) {
        // Descend into a child most of the time, so deep fields get as much attention as the top.
        switch value {
        case .object(var entries) where !entries.isEmpty && random.below(4) != 0:
            let i = random.below(entries.count)
            mutateNode(&entries[i].value, depth: depth + 1, random: &random)
            value = .object(entries)
            return
        case .array(var items) where !items.isEmpty && random.below(4) != 0:
            let i = random.below(items.count)
            mutateNode(&items[i], depth: depth + 1, random: &random)
            value = .array(items)
            return
        default: break
        }
        switch (value, random.below(3)) {
        case (.object(var entries), 0):
            switch random.below(4) {
            case 0 where !entries.isEmpty: entries.remove(at: random.below(entries.count))
            case 1 where !entries.isEmpty:  // the same key twice
                let entry = random.pick(entries)
                entries.append(ConfigEntry(key: entry.key, value: randomScalar(&random)))
            case 2 where !entries.isEmpty: entries[random.below(entries.count)].key = random.pick(keys)
            default: entries.append(ConfigEntry(key: random.pick(keys), value: randomScalar(&random)))
            }
            value = .object(entries)
        case (.array(var items), 0):
            switch random.below(3) {
            case 0 where !items.isEmpty: items.remove(at: random.below(items.count))
            case 1 where !items.isEmpty && items.count < 64: items.append(random.pick(items))
            default: items.append(randomScalar(&random))
            }
            value = .array(items)
        case (.int, 0), (.number, 0):
            value = random.pick(interestingNumbers)
        case (.string, 0):
            value = .string(random.pick(words))
        default:
            value = random.below(5) == 0 && depth < 20 ? .array([value]) : randomScalar(&random)
        }
    }

    private static func randomScalar(_ random: inout FuzzRandom) -> ConfigValue {
        switch random.below(8) {
        case 0: .null
        case 1: .bool(random.below(2) == 0)
        case 2, 3: random.pick(interestingNumbers)
        case 4, 5: .string(random.pick(words))
        case 6: .string(rawMarker + random.pick(rawValues))
        default: .object([ConfigEntry(key: random.pick(keys), value: random.pick(interestingNumbers))])
        }
    }

    private static let interestingNumbers: [ConfigValue] = [
        .int(0), .int(1), .int(-1), .int(2), .int(3), .int(7), .int(64), .int(255), .int(1 << 11), .int(1 << 31),
        .int(Int(Int32.max)), .int(Int.max), .int(Int.min), .number(0.5), .number(-0.5), .number(1e-300),
        .number(1e300), .number(3.7), .number(1e-8), .number(0.999), .number(-1e9),
    ]

    /// Names the protocol uses: methods, registry components, fields, data set and model names.
    private static let words: [String] = {
        var words = Methods.all + ["d", "m", "trial", "train", "test", "x.json", "x.csv", "x.npy", "../x", "/etc/passwd",
                                   "", " ", "float32", "float64", "numpy", "gradwell", "random", "grid", "maximize",
                                   "minimize", "accuracy", "cost", "val_cost", "val_accuracy", "log_uniform", "choice", "int",
                                   "uniform", "one_minus_log_uniform", "csv", "npy", "idx", "2.0", "1.0"]
        for kind in ComponentKind.allCases { words += Registry.builtins.names(kind) }
        return words
    }()

    private static let keys: [String] = Array(Set(Methods.trainKeys + [
        "jsonrpc", "id", "method", "params", "name", "input", "layers", "loss", "type", "units", "activation", "init",
        "generator", "n", "noise", "seed", "rng", "dtype", "path", "format", "label", "labels", "scale", "x", "y",
        "template", "space", "strategy", "trials", "refine", "parallel", "objective", "lr", "beta1", "beta2",
        "epsilon", "rate", "keep_prob", "lambda", "into", "stratify", "source", "stats_from", "gamma", "min_lr",
        "max_entries", "points", "resolution", "then", "warmup_epochs", "decay_rate", "time_interval",
        "min", "max", "values", "datasets", "goal", "metric", "monitor", "patience", "restore_best",
    ])).sorted()

    private static let cannedRequests = [
        #"{"jsonrpc":"2.0","id":1,"method":"dataset/generate","params":{"name":"d","generator":"moons","n":40,"seed":1}}"#,
        #"{"jsonrpc":"2.0","id":2,"method":"model/create","params":{"name":"m","input":2,"layers":[{"type":"dense","units":4,"activation":"relu"},{"type":"dropout","keep_prob":0.8},{"type":"batchnorm"},{"type":"dense","units":1,"activation":"sigmoid"}],"seed":1}}"#,
        #"{"jsonrpc":"2.0","id":3,"method":"train","params":{"model":"m","data":"d","epochs":2,"batch_size":8,"optimizer":{"type":"adam","lr":0.01},"regularizers":[{"type":"l2","lambda":0.1}],"schedule":{"type":"step","time_interval":1}}}"#,
        #"{"jsonrpc":"2.0","id":4,"method":"predict","params":{"model":"m","x":[[0.1,0.2],[1,2]]}}"#,
        #"{"jsonrpc":"2.0","id":5,"method":"evaluate","params":{"model":"m","data":"d"}}"#,
        #"{"jsonrpc":"2.0","id":6,"method":"gradcheck","params":{"model":"m","data":"d","max_entries":8}}"#,
        #"{"jsonrpc":"2.0","id":7,"method":"model/save","params":{"model":"m","path":"m.json"}}"#,
        #"{"jsonrpc":"2.0","id":8,"method":"model/load","params":{"name":"m2","path":"m.json"}}"#,
        #"{"jsonrpc":"2.0","id":9,"method":"dataset/split","params":{"source":"d","into":{"a":0.5,"b":0.5},"seed":2}}"#,
        #"{"jsonrpc":"2.0","id":10,"method":"dataset/normalize","params":{"name":"a","stats_from":"b"}}"#,
        #"{"jsonrpc":"2.0","id":11,"method":"dataset/inline","params":{"name":"i","x":[[0,1],[1,0]],"y":[0,1]}}"#,
        #"{"jsonrpc":"2.0","id":12,"method":"model/boundary","params":{"model":"m","data":"d","resolution":4}}"#,
        #"{"jsonrpc":"2.0","id":13,"method":"search","params":{"template":{"model":{"input":2,"layers":[{"type":"dense","units":1,"activation":"sigmoid"}]},"train":{"data":"d","epochs":1}},"space":{"train.optimizer.lr":{"type":"log_uniform","min":0.001,"max":0.1}},"trials":2}}"#,
        #"{"jsonrpc":"2.0","id":14,"method":"train","params":{"model":"m","data":"d","epochs":2,"checkpoint_every":1,"checkpoint_path":"ck.json","restore_best":true}}"#,
        #"{"jsonrpc":"2.0","id":15,"method":"$/cancel","params":{"id":3}}"#,
        #"{"jsonrpc":"2.0","id":16,"method":"registry/check","params":{"kind":"optimizer","type":"adam"}}"#,
    ]
}

/// SplitMix64: the mutator's own small generator.
struct FuzzRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

private extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
