import Foundation
import ShiplogTestSupport
import Testing

/// `deploy/Dockerfile`'s runtime stage installs what the binary needs to run, and nothing of
/// the build: every shared library `ldd` lists for the `shiplog` binary comes from a package
/// that stage installs, one of their dependencies, or Debian's required base (what
/// debian:bookworm-slim holds). The Swift runtime is linked statically in the image
/// (`--static-swift-stdlib`), so the toolchain's own libraries are left out here.
@Suite("The container image's runtime libraries")
struct DockerfileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs a program and returns its standard output (its standard error is dropped).
    static func output(_ program: String, _ arguments: [String]) throws -> (status: Int32, text: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The packages the last stage of the Dockerfile installs with apt-get (`name=version`).
    static func runtimePackages() throws -> Set<String> {
        let text = try String(contentsOf: root.appending(path: "deploy/Dockerfile"), encoding: .utf8)
        let stages = text.components(separatedBy: "\nFROM ")
        let runtime = try #require(stages.last)
        var packages: Set<String> = []
        for line in runtime.split(separator: "\n") where line.contains("apt-get install") {
            for word in line.split(separator: " ") where word.contains("=") && !word.hasPrefix("-") {
                packages.insert(String(word.split(separator: "=")[0]))
            }
        }
        return packages
    }

    @Test("every library the binary links comes from a package the runtime stage installs (or its dependencies, or Debian's base)")
    func librariesComeFromRuntimePackages() throws {
        let installed = try Self.runtimePackages()
        #expect(installed.isSuperset(of: ["libpq5", "libcurl4", "libsodium23", "ca-certificates"]), "\(installed)")

        // What those packages bring along, and what every Debian image has (priority required).
        var allowed = installed
        let depends = try Self.output(
            "/usr/bin/apt-cache",
            ["depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces",
             "--no-enhances", "--no-pre-depends"] + installed.sorted())
        for line in depends.text.split(separator: "\n") {
            let name = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "Depends: ", with: "")
                .replacingOccurrences(of: "|", with: "").split(separator: ":")[0].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty, !name.hasPrefix("<") { allowed.insert(name) }
        }
        let required = try Self.output("/usr/bin/dpkg-query", ["-W", "-f", "${Package} ${Priority}\\n"])
        for line in required.text.split(separator: "\n") where line.hasSuffix(" required") {
            allowed.insert(String(line.split(separator: " ")[0]))
        }

        let binary = try TestProcesses.shiplogExecutable()
        let ldd = try Self.output("/usr/bin/ldd", [binary])
        #expect(ldd.status == 0)
        var checked = 0
        for line in ldd.text.split(separator: "\n") {
            guard let arrow = line.range(of: "=> ") else { continue }  // linux-vdso, the loader
            let path = String(line[arrow.upperBound...].split(separator: " ")[0])
            if path.contains("/lib/swift/") { continue }  // linked statically in the image
            // dpkg knows the /usr/lib spelling on a merged /usr.
            var owner = try Self.output("/usr/bin/dpkg", ["-S", path])
            if owner.status != 0, path.hasPrefix("/lib/") { owner = try Self.output("/usr/bin/dpkg", ["-S", "/usr" + path]) }
            #expect(owner.status == 0, "no package owns \(path)")
            let package = String(owner.text.split(separator: ":")[0])
            #expect(allowed.contains(package), "\(path) comes from \(package), which the runtime stage does not install")
            checked += 1
        }
        #expect(checked >= 10, "ldd listed the system libraries: \(ldd.text)")
    }
}
