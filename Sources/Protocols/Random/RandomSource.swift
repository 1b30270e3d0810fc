/// A stream of random numbers that initializers, dropout masks, shuffles and data generators draw from.
///
/// Two families conform: `GradwellRandom` (xoshiro256**, the default) and `NumpyRandomState`
/// (MT19937 exactly as NumPy's legacy `RandomState`, so the course's figures can be reproduced).
public protocol RandomSource {
    /// 64 uniformly random bits.
    mutating func nextUInt64() -> UInt64
    /// A uniform double in [0, 1).
    mutating func nextDouble() -> Double
    /// A standard normal double.
    mutating func nextNormal() -> Double
    /// A uniform integer in `0...bound` (inclusive), as NumPy's `random_interval`.
    mutating func nextInt(through bound: Int) -> Int
}

// MARK: - Default implementations

extension RandomSource {
    /// Shuffles `values` in place by Fisher-Yates from the last index down, as NumPy's legacy `shuffle`.
    @inlinable
    public mutating func shuffle<T>(_ values: inout [T]) {
        var i = values.count - 1
        while i > 0 {
            let j = nextInt(through: i)
            values.swapAt(i, j)
            i -= 1
        }
    }

    /// A random permutation of `0..<count`, as NumPy's legacy `permutation(count)`.
    /// The same permutation as `permutation(count)`, written into `indices` (reusing its storage).
    @inlinable
    public mutating func permutation(_ count: Int, into indices: inout [Int]) {
        if indices.count != count { indices = Array(0..<count) } else { for i in 0..<count { indices[i] = i } }
        shuffle(&indices)
    }

    @inlinable
    public mutating func permutation(_ count: Int) -> [Int] {
        var indices = Array(0..<count)
        shuffle(&indices)
        return indices
    }
}
