import Foundation

// Usage: EmbedMigrationsTool OUTPUT.swift FILE.sql...
// Writes `EmbeddedMigrations.all`: every migration's file name and exact text, in name order.
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedMigrationsTool OUTPUT FILE...\n".utf8))
    exit(2)
}

var source = """
    // Generated from migrations/*.sql by the EmbedMigrations plugin. Do not edit.

    import Foundation

    enum EmbeddedMigrations {
        static let all: [(name: String, sql: String)] = [

    """
for path in arguments.dropFirst().sorted() {
    let name = URL(fileURLWithPath: path).lastPathComponent
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    // Base64 keeps the text exact (no escaping rules to get wrong), so checksums match the file,
    // and compiles fast where a long array literal would not.
    source += "        (name: \"\(name)\", sql: decode(\"\(bytes.base64EncodedString())\")),\n"
}
source += """
        ]

        private static func decode(_ base64: String) -> String {
            String(decoding: Data(base64Encoded: base64)!, as: UTF8.self)
        }
    }

    """
try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
