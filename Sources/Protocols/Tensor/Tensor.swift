/// A dense, row-major matrix of `T`: a batch of `rows` examples with `columns` features each.
///
/// Gradwell's models are multilayer perceptrons, so every tensor is two-dimensional: a weight
/// matrix is (units, fanIn) as in the course, a bias is (1, units), activations are (batch, units).
/// Storage is one contiguous array; hot code reuses tensors through `resize` instead of allocating.
public struct Tensor<T: Scalar>: Sendable, Equatable {
    public private(set) var rows: Int
    public private(set) var columns: Int
    /// The elements in row-major order; `count == rows * columns`.
    public var storage: [T]

    public init(rows: Int, columns: Int, repeating value: T = 0) {
        self.rows = rows
        self.columns = columns
        self.storage = [T](repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, storage: [T]) {
        precondition(storage.count == rows * columns, "storage holds \(storage.count) elements, shape needs \(rows * columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// An empty tensor, used as a workspace that is sized on first use.
    public init() { self.init(rows: 0, columns: 0) }

    @inlinable public var count: Int { rows * columns }
    public var shape: [Int] { [rows, columns] }

    /// Inlinable, so that element loops in other modules are specialized with their caller.
    @inlinable public subscript(row: Int, column: Int) -> T {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// Gives the tensor the shape (rows, columns), reusing its storage when the element count
    /// allows (so a workspace allocates once per batch shape). Contents are unspecified afterwards.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public mutating func resize(rows: Int, columns: Int) {
        let needed = rows * columns
        if storage.count != needed {
            if storage.capacity >= needed && needed < storage.count {
                storage.removeLast(storage.count - needed)
            } else if storage.capacity >= needed {
                storage.append(contentsOf: repeatElement(0, count: needed - storage.count))
            } else {
                storage = [T](repeating: 0, count: needed)
            }
        }
        self.rows = rows
        self.columns = columns
    }

    /// Sets every element to `value`.
    public mutating func fill(_ value: T) {
        storage.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = value }
        }
    }

    /// A tensor of `values` (row-major, `rows` × `columns`) rounded to `T`, in one specialized pass.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public init(rows: Int, columns: Int, converting values: UnsafeBufferPointer<Double>) {
        precondition(values.count == rows * columns, "converting \(values.count) values into \(rows)x\(columns)")
        self.init(rows: rows, columns: columns, storage: [T](unsafeUninitializedCapacity: values.count) { buffer, count in
            for i in 0..<values.count { buffer[i] = T(values[i]) }
            count = values.count
        })
    }

    /// The same values in another element type.
    public func converted<U: Scalar>(to: U.Type = U.self) -> Tensor<U> {
        Tensor<U>(rows: rows, columns: columns, storage: storage.map { U($0) })
    }

    /// Rows `indices` gathered into `destination` (resized to fit).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func gatherRows(_ indices: ArraySlice<Int>, into destination: inout Tensor<T>) {
        destination.resize(rows: indices.count, columns: columns)
        let width = columns
        storage.withUnsafeBufferPointer { source in
            destination.storage.withUnsafeMutableBufferPointer { target in
                guard width > 0, let from = source.baseAddress, let to = target.baseAddress else { return }
                for index in indices { precondition(index >= 0 && index < rows, "row \(index) of \(rows)") }
                if BLASThreads.shouldSplit(elements: indices.count * width) {
                    // A mini-batch of wide rows (mnist's 128 × 784): each thread copies a share.
                    indices.withUnsafeBufferPointer { rowIndices in
                        var job = BLASThreads.GatherJob(source: UnsafeRawPointer(from), destination: UnsafeMutableRawPointer(to),
                                                        indices: rowIndices.baseAddress!, rows: rowIndices.count,
                                                        rowBytes: width * MemoryLayout<T>.stride)
                        BLASThreads.run(BLASThreads.gatherPart, &job)
                    }
                    return
                }
                var out = to
                for index in indices {
                    out.update(from: from + index * width, count: width)
                    out += width
                }
            }
        }
    }

    /// True when every element is finite.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func allFinite() -> Bool {
        storage.withUnsafeBufferPointer { buffer in
            var ok = true
            for value in buffer where !value.isFinite { ok = false; break }
            return ok
        }
    }

    /// The sum of squared elements, accumulated in Double.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func squaredNorm() -> Double {
        storage.withUnsafeBufferPointer { buffer in
            var sum = 0.0
            for value in buffer { let v = Double(value); sum += v * v }
            return sum
        }
    }
}
