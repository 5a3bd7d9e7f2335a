import Foundation
import PackagePlugin

/// Compiles the package's top-level `migrations/*.sql` and `projections/*.sql` into the target
/// as Swift source, so `shiplog migrate` carries its schema inside the binary and those folders
/// stay the only place the schema is written.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        if target.name == "ShiplogServer" { return try documents(context: context) }
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

    /// `openapi/shiplog-v1.json`, the API's description, compiled into the server that serves it.
    func documents(context: PluginContext) throws -> [Command] {
        let document = context.package.directoryURL.appending(path: "openapi/shiplog-v1.json")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedDocuments.swift")
        return [
            .buildCommand(
                displayName: "Embedding the OpenAPI document",
                executable: try context.tool(named: "EmbedMigrationsTool").url,
                arguments: ["--openapi", output.path, document.path],
                inputFiles: [document],
                outputFiles: [output]
            )
        ]
    }
}
