import Synchronization
import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// The threads that share a matrix product or an element-wise kernel with the calling thread
/// (`--threads N` starts N - 1 of them).
///
/// A job is a C function pointer and a pointer to its arguments (a struct on the caller's
/// stack), so handing it over allocates nothing: the caller publishes it and bumps a generation
/// counter; each worker, spinning briefly and then sleeping on a condition variable, runs its
/// part; the caller runs part 0 and waits for the others. Workers spin up to 1 ms after a job
/// (a training step's products come that close together) and then sleep, so an idle host uses
/// no CPU.
final class WorkerPool: @unchecked Sendable {
    /// Runs part `part` of `parts` of the job whose arguments `context` points to.
    typealias Task = @convention(c) (_ context: UnsafeRawPointer?, _ part: Int, _ parts: Int) -> Void

    let parts: Int
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    /// The job being run; written before `generation` is bumped, read after it is seen.
    private var task: Task?
    private var context: UnsafeRawPointer?

    /// How long a worker spins for the next job before it sleeps: long enough to bridge the
    /// single-threaded work between the split products of a training step (waking a sleeping
    /// thread costs tens of microseconds, more in a virtual machine), short enough that an idle
    /// host goes quiet at once.
    static let spinNanoseconds = 1_000_000

    static func monotonicNanoseconds() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1_000_000_000 + time.tv_nsec
    }

    /// Why a worker could not be started (pthread_create's error), if one could not: the pool
    /// is then unusable (a job would wait for the missing worker for ever).
    private(set) var startFailure: String?

    init(threads: Int) {
        parts = max(1, threads)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for part in 1..<parts where startFailure == nil { start(part) }
    }

    private func start(_ part: Int) {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(WorkerStart(pool: self, part: part))
        let result = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<WorkerStart>.fromOpaque(argument!).takeRetainedValue()
            Denormals.applyToCallingThread()
            start.pool.work(part: start.part)
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            startFailure = String(cString: strerror(result))
            return
        }
        pthread_detach(thread)
    }

    private func work(part: Int) {
        var seen = 0
        while true {
            var spins = 0
            var spinStart = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                gw_spin_hint()
                // Check the clock every 256 spins: sleep once a job has not come for `spinNanoseconds`.
                if spins & 255 != 0 { continue }
                let now = Self.monotonicNanoseconds()
                if spinStart == 0 { spinStart = now }
                if now - spinStart < Self.spinNanoseconds { continue }
                pthread_mutex_lock(&mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen {
                    pthread_cond_wait(&condition, &mutex)
                }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(&mutex)
            }
            seen = generation.load(ordering: .acquiring)
            task?(context, part, parts)
            pending.subtract(1, ordering: .releasing)
        }
    }

    /// Runs `task(context, part, parts)` for every part, part 0 on the calling thread; returns
    /// when all are done (so `context` may point into the caller's stack).
    func run(_ task: Task, _ context: UnsafeRawPointer) {
        self.task = task
        self.context = context
        pending.store(parts - 1, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(&mutex)
            pthread_cond_broadcast(&condition)
            pthread_mutex_unlock(&mutex)
        }
        task(context, 0, parts)
        // The others finish within microseconds unless the machine is loaded; then yield.
        var spins = 0
        while pending.load(ordering: .acquiring) > 0 {
            spins += 1
            gw_spin_hint()
            if spins > 10_000 { sched_yield() }
        }
        self.task = nil
        self.context = nil
    }
}

private final class WorkerStart {
    let pool: WorkerPool
    let part: Int
    init(pool: WorkerPool, part: Int) { self.pool = pool; self.part = part }
}
