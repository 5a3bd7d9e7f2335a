import CSodium

/// Secret bytes in memory from `sodium_malloc`: kept out of swap where the system allows,
/// surrounded by guard pages, and wiped when freed.
///
/// Immutable after initialization, hence safe to share between threads.
final class SecureBytes: @unchecked Sendable {
    let count: Int
    private let pointer: UnsafeMutableRawPointer

    /// Allocates `count` bytes and lets `initialize` fill them.
    init<Failure: Error>(
        count: Int,
        initialize: (UnsafeMutableRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        Sodium.ensureInitialized()
        guard let pointer = sodium_malloc(count) else {
            fatalError("sodium_malloc(\(count)) failed: out of memory")
        }
        do {
            try initialize(UnsafeMutableRawBufferPointer(start: pointer, count: count))
        } catch {
            sodium_free(pointer)
            throw error
        }
        self.pointer = pointer
        self.count = count
    }

    deinit {
        sodium_free(pointer)
    }

    /// Calls `body` with the bytes; the buffer must not escape `body`.
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
