import Foundation
import PackagePlugin

/// Compiles the package's top-level `migrations/*.sql` and `projections/*.sql` into the target
/// as Swift source, so `shiplog migrate` carries its schema inside the binary and those folders
/// stay the only place the schema is written.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        // migrations/ (applied once each) and projections/ (applied again when changed).
        let files = try ["migrations", "projections"].flatMap { folder in
            try FileManager.default.contentsOfDirectory(
                at: context.package.directoryURL.appending(path: folder), includingPropertiesForKeys: nil
            )
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) migration and projection files",
                executable: try context.tool(named: "EmbedMigrationsTool").url,
                arguments: [output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
