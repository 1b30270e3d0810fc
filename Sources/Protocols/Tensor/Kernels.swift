/// Matrix kernels shared by the builtin layers, losses and optimizers. Products go through BLAS;
/// element-wise loops are plain loops over contiguous buffers that the compiler vectorizes.
public enum Kernels {
    /// c = alpha * op(a) * op(b) + beta * c, with `c` resized to the product's shape when beta is 0.
    ///
    /// `rowBlocks`: a product large enough to be cut across the host's threads is cut into blocks
    /// of c's rows (contiguous memory) rather than of its longer side. For a weight gradient,
    /// which the optimizer's update reads next in contiguous ranges, one per thread: each thread
    /// then updates the part it has just written (mnist at 2 threads: 114k samples/s against
    /// 103k, median of 6 hosts each).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func matmul<T: Scalar>(_ a: Tensor<T>, transposeA: Bool = false,
                                         _ b: Tensor<T>, transposeB: Bool = false,
                                         into c: inout Tensor<T>, alpha: T = 1, beta: T = 0, rowBlocks: Bool = false) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let n = transposeB ? b.rows : b.columns
        precondition(k == (transposeB ? b.columns : b.rows), "matmul: inner dimensions differ")
        if beta == 0 { c.resize(rows: m, columns: n) }
        precondition(c.rows == m && c.columns == n, "matmul: output shape differs")
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.fill(0) }
            return
        }
        let lda = a.columns, ldb = b.columns, ldc = n
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    T.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                           beta: beta, c: pc.baseAddress!, ldc: ldc, rowBlocks: rowBlocks)
                }
            }
        }
    }

    /// Adds the (1, columns) row `bias` to every row of `x`.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func addRow<T: Scalar>(_ bias: Tensor<T>, to x: inout Tensor<T>) {
        let width = x.columns
        bias.storage.withUnsafeBufferPointer { b in
            x.storage.withUnsafeMutableBufferPointer { out in
                var base = 0
                for _ in 0..<x.rows {
                    for j in 0..<width { out[base + j] += b[j] }
                    base += width
                }
            }
        }
    }

    /// Writes the column sums of `x` into the (1, columns) tensor `sums`, accumulating in T.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func columnSums<T: Scalar>(_ x: Tensor<T>, into sums: inout Tensor<T>) {
        sums.resize(rows: 1, columns: x.columns)
        let rows = x.rows, width = x.columns
        x.storage.withUnsafeBufferPointer { input in
            sums.storage.withUnsafeMutableBufferPointer { out in
                guard let pi = input.baseAddress, let po = out.baseAddress else { return }
                T.columnSums(pi, into: po, rows: rows, columns: width)
            }
        }
    }

    /// y += alpha * x, element-wise over equal shapes.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func axpy<T: Scalar>(_ alpha: T, _ x: Tensor<T>, _ y: inout Tensor<T>) {
        precondition(x.count == y.count, "axpy: shapes differ")
        x.storage.withUnsafeBufferPointer { px in
            y.storage.withUnsafeMutableBufferPointer { py in
                for i in py.indices { py[i] += alpha * px[i] }
            }
        }
    }

    /// target[i] += source[i] for i in `range` (raw pointers, so threads can each add a range
    /// of one buffer).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func add<T: Scalar>(_ source: UnsafePointer<T>, to target: UnsafeMutablePointer<T>, range: Range<Int>) {
        for i in range { target[i] += source[i] }
    }

    /// x *= alpha, element-wise.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func scale<T: Scalar>(_ x: inout Tensor<T>, by alpha: T) {
        x.storage.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] *= alpha }
        }
    }

    /// Copies `source` into `destination`, resizing it; no allocation once the shape is known.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func copy<T: Scalar>(_ source: Tensor<T>, into destination: inout Tensor<T>) {
        destination.resize(rows: source.rows, columns: source.columns)
        source.storage.withUnsafeBufferPointer { s in
            destination.storage.withUnsafeMutableBufferPointer { d in
                for i in d.indices { d[i] = s[i] }
            }
        }
    }
}
