#if canImport(Glibc)
import Glibc
#endif

/// Gradwell's own generator: xoshiro256** (Blackman and Vigna 2018), seeded through SplitMix64.
///
/// Streams are derived, not shared: `derived(seed:path:)` hashes a seed with a path such as
/// (model seed, layer index), so adding a layer never changes the numbers another layer draws.
public struct GradwellRandom: RandomSource, Sendable, Codable, Equatable {
    public var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose four state words come from SplitMix64 started at `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        s0 = GradwellRandom.splitMix64(&mixer)
        s1 = GradwellRandom.splitMix64(&mixer)
        s2 = GradwellRandom.splitMix64(&mixer)
        s3 = GradwellRandom.splitMix64(&mixer)
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// The four state words as a layer saves them in a model file (`Layer.state`): an array of
    /// four hexadecimal strings.
    public var stateValue: ConfigValue {
        .array([s0, s1, s2, s3].map { .string(String($0, radix: 16)) })
    }

    /// The generator `stateValue` describes; nil unless it is four hexadecimal words of at most
    /// 64 bits, not all zero (xoshiro's one state that never leaves zero).
    public init?(stateValue: ConfigValue) {
        guard let items = stateValue.arrayValue, items.count == 4 else { return nil }
        let words = items.compactMap { $0.stringValue.flatMap { UInt64($0, radix: 16) } }
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        s0 = words[0]; s1 = words[1]; s2 = words[2]; s3 = words[3]
    }

    /// The stream for `path` under `seed`, e.g. `derived(seed: modelSeed, path: [layerIndex, 0])`.
    public static func derived(seed: UInt64, path: [UInt64]) -> GradwellRandom {
        var key = seed
        for component in path {
            var mixer = key ^ (component &+ 0x632B_E59B_D9B4_E019)
            key = splitMix64(&mixer)
        }
        return GradwellRandom(seed: key)
    }

    /// One SplitMix64 step (Steele, Lea and Flood 2014).
    @inline(__always)
    public static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func nextUInt64() -> UInt64 {
        let result = GradwellRandom.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = GradwellRandom.rotateLeft(s3, 45)
        return result
    }

    public mutating func nextDouble() -> Double {
        Double(nextUInt64() >> 11) * 0x1.0p-53
    }

    /// Box-Muller on two uniforms (no cached second value, so the state is just the four words).
    public mutating func nextNormal() -> Double {
        let u1 = 1.0 - nextDouble()  // in (0, 1], so log is finite
        let u2 = nextDouble()
        return (-2.0 * Glibc.log(u1)).squareRoot() * Glibc.cos(2.0 * Double.pi * u2)
    }

    public mutating func nextInt(through bound: Int) -> Int {
        guard bound > 0 else { return 0 }
        let limit = UInt64(bound)
        var mask = limit
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
        while true {
            let value = nextUInt64() & mask
            if value <= limit { return Int(value) }
        }
    }
}
