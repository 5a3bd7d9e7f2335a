import CSodium

/// Comparisons whose running time does not depend on where the inputs differ.
public enum ConstantTime: Sendable {
    /// Whether `a` and `b` hold the same bytes, via `sodium_memcmp`.
    ///
    /// Use it for MACs, signatures and tokens: an ordinary `==` returns at the first difference
    /// and leaks how many leading bytes an attacker guessed right. Different lengths compare
    /// unequal (the length itself is not secret).
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        Sodium.ensureInitialized()
        return a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in
                sodium_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
            }
        }
    }
}
