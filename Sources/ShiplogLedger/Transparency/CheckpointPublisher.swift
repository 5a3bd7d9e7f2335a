import Foundation

/// Somewhere outside the database that signed checkpoints are published to, so that a
/// database owner who rewrites the log cannot rewrite them too.
public protocol CheckpointPublisher: Sendable {
    /// Where it publishes, for messages.
    var location: String { get }
    /// The newest checkpoint published there (the signed note), nil when none is.
    func latest() async throws -> String?
    /// Publishes `note` (a checkpoint of `size` leaves) as the newest, and keeps it by size.
    func publish(_ note: String, size: Int64) async throws
}

/// A directory: `DIR/checkpoint` is the newest, `DIR/checkpoints/SIZE` each one. Each file is
/// written whole and renamed into place, so a reader never sees half of one.
public struct DirectoryPublisher: CheckpointPublisher {
    public let directory: URL

    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    }

    public var location: String { directory.path }

    public func latest() async throws -> String? {
        let file = directory.appendingPathComponent("checkpoint")
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        return try String(contentsOf: file, encoding: .utf8)
    }

    public func publish(_ note: String, size: Int64) async throws {
        let archive = directory.appendingPathComponent("checkpoints", isDirectory: true)
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        try write(note, to: archive.appendingPathComponent(String(size)))
        try write(note, to: directory.appendingPathComponent("checkpoint"))
    }

    private func write(_ text: String, to file: URL) throws {
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(UUID().uuidString)")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, file.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CheckpointError("cannot publish the checkpoint to \(file.path): \(reason)")
        }
    }
}

/// Why a checkpoint was not made, said so the operator knows what to do.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// The log does not extend a checkpoint already made, or a witness called it a fork:
    /// someone must look, now.
    public var isFork: Bool
    public init(_ description: String, isFork: Bool = false) {
        self.description = description
        self.isFork = isFork
    }
}
