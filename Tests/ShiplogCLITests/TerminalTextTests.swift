import Testing

@testable import shiplog

/// Text from the ledger printed for people: visible, never acted on by the terminal.
@Suite("Escaping stored text for the terminal")
struct TerminalTextTests {
    @Test(
        "control characters and bidirectional controls become visible escapes",
        arguments: [
            ("Foo\u{1b}[31m", #"Foo\x1b[31m"#),
            ("a\nb\tc\rd\u{0}", #"a\x0ab\x09c\x0dd\x00"#),
            ("del\u{7f} csi\u{9b}2J", #"del\x7f csi\x9b2J"#),
            ("\u{202e}gnp.exe", #"\u{202E}gnp.exe"#),
            ("\u{202a}\u{202b}\u{202c}\u{202d}", #"\u{202A}\u{202B}\u{202C}\u{202D}"#),
            ("\u{2066}x\u{2067}y\u{2068}z\u{2069}", #"\u{2066}x\u{2067}y\u{2068}z\u{2069}"#),
            ("\u{200e}ltr \u{200f}rtl \u{61c}alm", #"\u{200E}ltr \u{200F}rtl \u{061C}alm"#),
        ]
    )
    func escapes(stored: String, shown: String) {
        #expect(TerminalText.escaped(stored) == shown)
    }

    @Test("ordinary text, accents, arrows and emoji are left as they are")
    func keepsText() {
        for text in ["web 1.2.3 → prod", "Zoë's hotfix — ✓", "déploiement 🚀", #"{"a":"b\u001b"}"#, "", "שלום"] {
            #expect(TerminalText.escaped(text) == text)
        }
    }

    @Test("a table escapes its cells and aligns the columns on the escaped text")
    func table() {
        var table = Table("TYPE", "ACTOR")
        table.add("Foo\u{1b}[31m", "alice")
        table.add("Bar", "bob")
        #expect(table.rendered == "TYPE         ACTOR\nFoo\\x1b[31m  alice\nBar          bob")
    }
}
