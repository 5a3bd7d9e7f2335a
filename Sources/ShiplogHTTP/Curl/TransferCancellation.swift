import Foundation

/// A flag set when the task awaiting a transfer is cancelled, read by libcurl's progress
/// callback on the transfer thread so that `curl_easy_perform` stops early.
final class TransferCancellation: @unchecked Sendable {
    // @unchecked: `cancelled` is only touched under `lock`.
    private let lock = NSLock()
    private var cancelled = false

    /// Asks the transfer to stop.
    func cancel() {
        lock.withLock { cancelled = true }
    }

    /// Whether the transfer was asked to stop.
    var isCancelled: Bool {
        lock.withLock { cancelled }
    }
}
