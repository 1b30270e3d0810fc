#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif canImport(ucrt)
import ucrt
#endif

/// MT19937 exactly as NumPy's legacy `np.random.RandomState` (seed, random_sample, randn, shuffle), so the course's figures reproduce bit for bit.
public struct NumpyRandomState: RandomSource, Sendable {
    /// Number of 32-bit words in the Mersenne Twister state, NumPy's `RK_STATE_LEN`.
    public static let stateLength = 624

    /// The key, kept in an array so copies share storage until one of them draws (copy on write).
    @usableFromInline internal var key: [UInt32]
    /// Index of the next key word to temper; `stateLength` means the key must be regenerated first.
    @usableFromInline internal var position: Int
    /// Whether the second value of the last polar Box-Muller pair is waiting to be returned.
    @usableFromInline internal var hasGauss: Bool
    /// That waiting value (0 when there is none, as NumPy resets it).
    @usableFromInline internal var cachedGauss: Double

    /// Seeds as `np.random.seed(seed)` does for an integer seed (Knuth's linear init, no cached gaussian).
    public init(seed: UInt32) {
        var words = [UInt32](repeating: 0, count: Self.stateLength)
        var s = seed
        for p in 0..<Self.stateLength {
            words[p] = s
            s = 1_812_433_253 &* (s ^ (s >> 30)) &+ UInt32(truncatingIfNeeded: p + 1)
        }
        key = words
        position = Self.stateLength
        hasGauss = false
        cachedGauss = 0
    }

    // MARK: - Snapshot

    /// The whole stream state, in the same terms as NumPy's `get_state()`, so a checkpoint can resume it exactly.
    public struct Snapshot: Codable, Sendable, Hashable {
        /// The 624 key words (`get_state()[1]`).
        public var stateWords: [UInt32]
        /// Next word to use, 0...624 (`get_state()[2]`).
        public var position: Int
        /// Whether a gaussian is cached (`get_state()[3]`).
        public var hasGauss: Bool
        /// The cached gaussian (`get_state()[4]`).
        public var cachedGauss: Double

        /// Builds a snapshot from its four parts, e.g. from a NumPy `get_state()` tuple.
        public init(stateWords: [UInt32], position: Int, hasGauss: Bool, cachedGauss: Double) {
            self.stateWords = stateWords
            self.position = position
            self.hasGauss = hasGauss
            self.cachedGauss = cachedGauss
        }

        /// True when the snapshot has 624 words and a position in 0...624, so the host can reject a corrupt checkpoint.
        public var isValid: Bool {
            stateWords.count == NumpyRandomState.stateLength
                && (0...NumpyRandomState.stateLength).contains(position)
        }
    }

    /// Restores a saved stream; an invalid snapshot is padded/truncated and clamped rather than trapping (check `isValid` first).
    public init(snapshot: Snapshot) {
        var words = Array(snapshot.stateWords.prefix(Self.stateLength))
        if words.count < Self.stateLength {
            words.append(contentsOf: repeatElement(0, count: Self.stateLength - words.count))
        }
        key = words
        position = min(max(snapshot.position, 0), Self.stateLength)
        hasGauss = snapshot.hasGauss
        cachedGauss = snapshot.hasGauss ? snapshot.cachedGauss : 0
    }

    /// The current stream state, for checkpoints.
    public var snapshot: Snapshot {
        Snapshot(stateWords: key, position: position, hasGauss: hasGauss, cachedGauss: cachedGauss)
    }

    // MARK: - Raw draws

    /// Refills the key, as NumPy's `mt19937_gen`.
    @usableFromInline internal mutating func regenerate() {
        let n = Self.stateLength
        let m = 397
        let matrixA: UInt32 = 0x9908_B0DF
        let upper: UInt32 = 0x8000_0000
        let lower: UInt32 = 0x7FFF_FFFF
        key.withUnsafeMutableBufferPointer { k in
            var i = 0
            while i < n - m {
                let y = (k[i] & upper) | (k[i + 1] & lower)
                k[i] = k[i + m] ^ (y >> 1) ^ ((0 &- (y & 1)) & matrixA)
                i += 1
            }
            while i < n - 1 {
                let y = (k[i] & upper) | (k[i + 1] & lower)
                k[i] = k[i + m - n] ^ (y >> 1) ^ ((0 &- (y & 1)) & matrixA)
                i += 1
            }
            let y = (k[n - 1] & upper) | (k[0] & lower)
            k[n - 1] = k[m - 1] ^ (y >> 1) ^ ((0 &- (y & 1)) & matrixA)
        }
        position = 0
    }

    /// One tempered 32-bit output, as NumPy's `mt19937_next32`.
    @inlinable
    public mutating func nextUInt32() -> UInt32 {
        if position >= Self.stateLength { regenerate() }
        var y = key[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// 64 bits from two 32-bit draws, high word first, as NumPy's `mt19937_next64`.
    @inlinable
    public mutating func nextUInt64() -> UInt64 {
        let high = UInt64(nextUInt32())
        let low = UInt64(nextUInt32())
        return high << 32 | low
    }

    // MARK: - RandomSource

    /// `random_sample`: 27 + 26 bits from two draws, so the double has the full 53-bit resolution NumPy gives.
    @inlinable
    public mutating func nextDouble() -> Double {
        let a = nextUInt32() >> 5
        let b = nextUInt32() >> 6
        return (Double(a) * 67_108_864.0 + Double(b)) / 9_007_199_254_740_992.0
    }

    /// `randn`: legacy polar Box-Muller, returning `f*x2` now and caching `f*x1` for the next call, as `legacy_gauss`.
    public mutating func nextNormal() -> Double {
        if hasGauss {
            let value = cachedGauss
            hasGauss = false
            cachedGauss = 0
            return value
        }
        var x1 = 0.0
        var x2 = 0.0
        var r2 = 0.0
        repeat {
            x1 = 2.0 * nextDouble() - 1.0
            x2 = 2.0 * nextDouble() - 1.0
            r2 = x1 * x1 + x2 * x2
        } while r2 >= 1.0 || r2 == 0.0
        let f = (-2.0 * log(r2) / r2).squareRoot()
        cachedGauss = f * x1
        hasGauss = true
        return f * x2
    }

    /// `random_interval(bound)`: mask-and-reject with 32-bit draws when they suffice (0 without drawing for `bound <= 0`), as legacy `shuffle`.
    @inlinable
    public mutating func nextInt(through bound: Int) -> Int {
        if bound <= 0 { return 0 }
        let max = UInt64(bound)
        var mask = max
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        mask |= mask >> 32
        var value: UInt64
        if max <= 0xFFFF_FFFF {
            repeat { value = UInt64(nextUInt32()) & mask } while value > max
        } else {
            repeat { value = nextUInt64() & mask } while value > max
        }
        return Int(value)
    }

    /// `normal(loc, scale)` for one value: `loc + scale * gauss`, in that order so rounding matches NumPy.
    @inlinable
    public mutating func normal(loc: Double = 0, scale: Double = 1) -> Double {
        loc + scale * nextNormal()
    }
}
