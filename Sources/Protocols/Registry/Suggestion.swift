/// "Did you mean …?": the known name closest to a mistyped one, by edit distance (insertions,
/// deletions, substitutions and swaps of neighbours each cost 1), when it is close enough to be
/// a typo: at most a third of the name's length (and at least 1) edits away.
public enum Suggestion {
    public static func closest(to name: String, in candidates: [String]) -> String? {
        let typed = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let distance = editDistance(typed, Array(candidate.lowercased()))
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(1, typed.count / 3) else { return nil }
        return best.name
    }

    /// Optimal string alignment distance.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}

extension GradwellError {
    /// This error with "did you mean …?" added to its message and `data.suggestion`, when
    /// `name` looks like a typo of one of `candidates`.
    public func suggesting(for name: String, in candidates: [String]) -> GradwellError {
        guard let suggestion = Suggestion.closest(to: name, in: candidates) else { return self }
        var error = self
        error.message += "; did you mean '\(suggestion)'?"
        error.data.append(ConfigEntry(key: "suggestion", value: .string(suggestion)))
        return error
    }
}
