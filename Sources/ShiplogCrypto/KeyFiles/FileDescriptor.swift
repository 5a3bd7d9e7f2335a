#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open POSIX file descriptor, closed when the last reference goes away.
final class FileDescriptor {
    /// A failed system call, by `errno`.
    struct SystemError: Error {
        let number: Int32

        var reason: String { String(cString: strerror(number)) }
    }

    private let descriptor: Int32

    /// Opens `path` (always with `O_CLOEXEC`, so the descriptor never leaks into child processes).
    init(path: String, flags: Int32, mode: mode_t = 0) throws(SystemError) {
        let descriptor = try Self.retryingOnInterrupt { path.withCString { open($0, flags | O_CLOEXEC, mode) } }
        self.descriptor = Int32(descriptor)
    }

    deinit {
        close(descriptor)
    }

    /// The `stat` of the open file, which cannot change underfoot the way a path can.
    func status() throws(SystemError) -> stat {
        var status = stat()
        _ = try Self.retryingOnInterrupt { Int(fstat(descriptor, &status)) }
        return status
    }

    /// Reads to the end of the file, or returns nil as soon as it holds more than `limit` bytes.
    func readAll(limit: Int) throws(SystemError) -> [UInt8]? {
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try Self.retryingOnInterrupt {
                chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[0..<count])
            if contents.count > limit { return nil }
        }
    }

    /// Writes all of `bytes`, continuing after short writes.
    func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        var written = 0
        while written < bytes.count {
            written += try Self.retryingOnInterrupt {
                bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            }
        }
    }

    /// Sets the permission bits exactly, whatever the process umask.
    func setMode(_ mode: mode_t) throws(SystemError) {
        _ = try Self.retryingOnInterrupt { Int(fchmod(descriptor, mode)) }
    }

    /// Flushes the file to stable storage.
    func synchronize() throws(SystemError) {
        _ = try Self.retryingOnInterrupt { Int(fsync(descriptor)) }
    }

    private static func retryingOnInterrupt(_ call: () -> Int) throws(SystemError) -> Int {
        while true {
            let result = call()
            if result >= 0 { return result }
            if errno != EINTR { throw SystemError(number: errno) }
        }
    }

    private static func retryingOnInterrupt(_ call: () -> Int32) throws(SystemError) -> Int32 {
        Int32(try retryingOnInterrupt { Int(call()) })
    }
}
