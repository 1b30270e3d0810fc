/// A random stream of either family, as a value that layers keep and checkpoints save.
public struct RandomStream: RandomSource, Sendable, Codable {
    /// Which family a request asked for with `"rng"`.
    public enum Family: String, Sendable, Codable, CaseIterable {
        case gradwell, numpy
    }

    public let family: Family
    // One of the two is set, by `family`; optionals let draws mutate the state in place.
    private var gradwell: GradwellRandom?
    private var numpy: NumpyRandomState?

    public init(_ generator: GradwellRandom) { family = .gradwell; gradwell = generator }
    public init(_ generator: NumpyRandomState) { family = .numpy; numpy = generator }

    /// A stream of `family` for `seed`. With Gradwell's generator the stream is derived from
    /// (seed, path); NumPy's legacy generator has one stream per seed, as `np.random.seed(seed)`.
    public static func make(_ family: Family, seed: UInt64, path: [UInt64] = []) -> RandomStream {
        switch family {
        case .gradwell: RandomStream(GradwellRandom.derived(seed: seed, path: path))
        case .numpy: RandomStream(NumpyRandomState(seed: UInt32(truncatingIfNeeded: seed)))
        }
    }

    public mutating func nextUInt64() -> UInt64 {
        family == .gradwell ? gradwell!.nextUInt64() : numpy!.nextUInt64()
    }

    public mutating func nextDouble() -> Double {
        family == .gradwell ? gradwell!.nextDouble() : numpy!.nextDouble()
    }

    public mutating func nextNormal() -> Double {
        family == .gradwell ? gradwell!.nextNormal() : numpy!.nextNormal()
    }

    public mutating func nextInt(through bound: Int) -> Int {
        family == .gradwell ? gradwell!.nextInt(through: bound) : numpy!.nextInt(through: bound)
    }

    private enum CodingKeys: String, CodingKey { case family, gradwell, numpy }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        family = try container.decode(Family.self, forKey: .family)
        switch family {
        case .gradwell: gradwell = try container.decode(GradwellRandom.self, forKey: .gradwell)
        case .numpy: numpy = NumpyRandomState(snapshot: try container.decode(NumpyRandomState.Snapshot.self, forKey: .numpy))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(family, forKey: .family)
        switch family {
        case .gradwell: try container.encode(gradwell!, forKey: .gradwell)
        case .numpy: try container.encode(numpy!.snapshot, forKey: .numpy)
        }
    }
}
