import Foundation

// Usage: EmbedMigrationsTool OUTPUT.swift FILE.sql...
// Writes `EmbeddedMigrations.all` (migrations/) and `EmbeddedMigrations.projections`
// (projections/): every file's name and exact text, in name order.
let arguments = CommandLine.arguments.dropFirst()

// Usage: EmbedMigrationsTool --openapi OUTPUT.swift DOCUMENT.json
// Writes `EmbeddedDocuments.openAPI`: the document's exact text.
if arguments.first == "--openapi", arguments.count == 3 {
    let output = arguments[arguments.startIndex + 1], document = arguments[arguments.startIndex + 2]
    let bytes = try Data(contentsOf: URL(fileURLWithPath: document))
    let source = """
        // Generated from openapi/shiplog-v1.json by the EmbedMigrations plugin. Do not edit.

        import Foundation

        enum EmbeddedDocuments {
            static let openAPI = String(decoding: Data(base64Encoded: "\(bytes.base64EncodedString())")!, as: UTF8.self)
        }

        """
    try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    exit(0)
}
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedMigrationsTool OUTPUT FILE...\n".utf8))
    exit(2)
}

// Files under a folder named projections/ are re-appliable projection code; the rest are migrations.
func entries(_ paths: [String]) throws -> String {
    try paths.sorted { URL(fileURLWithPath: $0).lastPathComponent < URL(fileURLWithPath: $1).lastPathComponent }
        .map { path in
            let name = URL(fileURLWithPath: path).lastPathComponent
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            // Base64 keeps the text exact (no escaping rules to get wrong), so checksums match
            // the file, and compiles fast where a long array literal would not.
            return "        (name: \"\(name)\", sql: decode(\"\(bytes.base64EncodedString())\")),\n"
        }.joined()
}
let files = Array(arguments.dropFirst())
let isProjection = { (path: String) in URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent == "projections" }
let source = """
    // Generated from migrations/*.sql and projections/*.sql by the EmbedMigrations plugin. Do not edit.

    import Foundation

    enum EmbeddedMigrations {
        static let all: [(name: String, sql: String)] = [
    \(try entries(files.filter { !isProjection($0) }))    ]

        static let projections: [(name: String, sql: String)] = [
    \(try entries(files.filter(isProjection)))    ]

        private static func decode(_ base64: String) -> String {
            String(decoding: Data(base64Encoded: base64)!, as: UTF8.self)
        }
    }

    """
try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
