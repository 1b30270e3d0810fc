import GradwellProtocols

extension Dataset {
    /// The set cut into named parts by fraction (the fractions add up to 1), after a seeded
    /// shuffle, stratified by class when asked: each group (one, or one per class) is cut by
    /// cumulative rounding, so every part gets its share of every class. A part may come out
    /// empty when its fraction is too small for the rows; the caller decides what that means.
    public func split(into parts: [(name: String, fraction: Double)], stratify: Bool, shuffle: Bool,
                      random: inout RandomStream) -> [Dataset] {
        var groups: [[Int]] = []
        if stratify {
            var byClass: [Int: [Int]] = [:]
            for row in 0..<count { byClass[Int(targets[row]), default: []].append(row) }
            groups = byClass.keys.sorted().map { byClass[$0]! }
        } else {
            groups = [Array(0..<count)]
        }
        var assigned = Array(repeating: [Int](), count: parts.count)
        for var group in groups {
            if shuffle { random.shuffle(&group) }
            var cumulative = 0.0, start = 0
            for (index, part) in parts.enumerated() {
                cumulative += part.fraction
                let end = index == parts.count - 1 ? group.count : Int((cumulative * Double(group.count)).rounded())
                assigned[index].append(contentsOf: group[start..<max(start, end)])
                start = max(start, end)
            }
        }
        if stratify && shuffle { for i in assigned.indices { random.shuffle(&assigned[i]) } }
        return zip(parts, assigned).map { part, rows in subset(rows, named: part.name) }
    }

    /// The rows `rows` of this set, in that order, with its classes and normalization.
    public func subset(_ rows: [Int], named name: String) -> Dataset {
        func gather(_ values: [Double], width: Int) -> [Double] { rows.flatMap { values[($0 * width)..<(($0 + 1) * width)] } }
        var subset = Dataset(name: name, features: gather(features, width: featureCount), featureCount: featureCount,
                             targets: gather(targets, width: targetColumns), targetColumns: targetColumns)
        subset.classCount = classCount
        subset.normalization = normalization
        subset.originalFeatures = originalFeatures.map { gather($0, width: featureCount) }
        return subset
    }
}
