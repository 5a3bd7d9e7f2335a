/// What libcurl's callbacks gather during one transfer: the final response's header fields and
/// body. Handed to the C callbacks as an unmanaged pointer; used by one thread at a time.
final class ResponseCollector {
    let cancellation: TransferCancellation
    private(set) var headers: [(name: String, value: String)] = []
    private(set) var body: [UInt8] = []

    init(cancellation: TransferCancellation) {
        self.cancellation = cancellation
    }

    /// Adds a chunk of body bytes.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) {
        body.append(contentsOf: bytes)
    }

    /// Takes one header line as libcurl delivers it, CRLF included.
    ///
    /// A status line starts a new header block: after an interim `100 Continue` only the final
    /// response's fields remain. Obsolete folded lines extend the previous field's value.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        // Strip CR and LF as bytes: as Characters, "\r\n" is one grapheme equal to neither.
        var length = bytes.count
        while length > 0, bytes[length - 1] == UInt8(ascii: "\r") || bytes[length - 1] == UInt8(ascii: "\n") {
            length -= 1
        }
        let line = Substring(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<length]), as: UTF8.self))
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        guard let first = line.first else { return }
        if first == " " || first == "\t", !headers.isEmpty {
            headers[headers.count - 1].value += " " + Self.trimmed(line)
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        headers.append((name: String(line[..<colon]), value: Self.trimmed(line[line.index(after: colon)...])))
    }

    private static func trimmed(_ text: Substring) -> String {
        let isBlank = { (character: Character) in character == " " || character == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(text[first...last])
    }
}
