import CSodium

/// The libsodium library, initialized once per process.
public enum Sodium: Sendable {
    /// Initializes libsodium exactly once; safe to call from any thread, cheap after the first call.
    ///
    /// Every entry point of this module calls it, so callers rarely need to. It stops the process
    /// if libsodium cannot start (no source of randomness), because no key or signature could be
    /// trusted afterwards.
    public static func ensureInitialized() {
        _ = initialization
    }

    // A global `let` is initialized lazily and atomically (swift_once), which gives "once" for free.
    private static let initialization: Void = {
        guard sodium_init() >= 0 else {
            fatalError("libsodium could not be initialized (no source of randomness?)")
        }
    }()
}
