import Testing

@testable import ShiplogCrypto

/// C2SP signed-note, tlog-checkpoint and tlog-cosignature, against the specs' examples and
/// vectors made with Go's golang.org/x/mod/sumdb/note (seeds 0x01×32 for the log, 0x42×32 for
/// the witness).
@Suite struct SignedNoteTests {
    static let checkpointText = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    static let logLine =
        "— example.com/behind-the-sofa be1zqQx8hYrJJIfiWfY39ShElJ74dPrOjXSgJJ2qG3vny2U7JyHN2kKCWb5H5e2MfxP7My2OyDRrDvCH/RbVubiZ8AE=\n"
    static let witnessLine =
        "— witness.example/w1 8e2MRwAAAABkGFDLEqgtDUsneMqeLcGMqk8Xx08OQIVxF72ZJmEtUU5sbo5WiTljN+UF1cQ+vSoh1gRQ0wV3Nz9m8DFvjwHDTDcQBA==\n"

    static func logSigner() throws -> NoteSigner {
        try NoteSigner(name: "example.com/behind-the-sofa", key: SigningKey(seed: [UInt8](repeating: 1, count: 32)))
    }

    static func witnessSigner() throws -> NoteSigner {
        try NoteSigner(name: "witness.example/w1", key: SigningKey(seed: [UInt8](repeating: 0x42, count: 32)), kind: .cosignature)
    }

    @Test func theSpecsExampleNoteVerifies() throws {
        let key = try NoteVerifierKey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        #expect(key.description == "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        let note = try SignedNote(
            parsing:
                "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
        )
        #expect(note.text == "This is an example message.\n")
        #expect(try note.verify(key) != nil)
    }

    @Test func checkpointsAreSignedAsGoSignsThem() throws {
        let signer = try Self.logSigner()
        #expect(signer.verifierKey.description == "example.com/behind-the-sofa+6ded73a9+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c")
        let checkpoint = try Checkpoint(text: Self.checkpointText)
        #expect(checkpoint.size == 20_852_163 && checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.text == Self.checkpointText)
        let note = SignedNote(text: checkpoint.text, signatures: [signer.signature(of: checkpoint.text)])
        #expect(note.serialized == Self.checkpointText + "\n" + Self.logLine)
    }

    @Test func cosignaturesAreMadeAsTheSpecSays() throws {
        let witness = try Self.witnessSigner()
        #expect(witness.verifierKey.description == "witness.example/w1+f1ed8c47+BCFS+NGbeR0kRTJC4V8uq2y3z/p7al7TAJeWDgaYgdsS")
        let cosignature = witness.signature(of: Self.checkpointText, time: 1_679_315_147)
        var note = try SignedNote(parsing: Self.checkpointText + "\n" + Self.logLine)
        note.add(cosignature)
        #expect(note.serialized == Self.checkpointText + "\n" + Self.logLine + Self.witnessLine)
        let reread = try SignedNote(parsing: note.serialized)
        #expect(try reread.verify(witness.verifierKey).flatMap(Cosignature.time) == 1_679_315_147)
        #expect(try reread.verify(Self.logSigner().verifierKey) != nil)
    }

    @Test func anAlteredNoteOrAnotherKeyDoesNotVerify() throws {
        let signer = try Self.logSigner()
        let altered = try SignedNote(parsing: Self.checkpointText.replacingFirst("20852163", "20852164") + "\n" + Self.logLine)
        #expect(throws: CryptoError.self) { try altered.verify(signer.verifierKey) }
        let other = try NoteSigner(name: "example.com/behind-the-sofa", key: .generate())
        let note = try SignedNote(parsing: Self.checkpointText + "\n" + Self.logLine)
        #expect(try note.verify(other.verifierKey) == nil)
    }

    @Test func malformedNotesAndKeysAreRefused() {
        #expect(throws: CryptoError.self) { try SignedNote(parsing: "no blank line\n— a AAAA\n") }
        #expect(throws: CryptoError.self) { try SignedNote(parsing: "text\n\nnot a signature\n") }
        #expect(throws: CryptoError.self) { try Checkpoint(text: "origin\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n") }
        #expect(throws: CryptoError.self) { try Checkpoint(text: "origin\n12\nshort\n") }
        #expect(throws: CryptoError.self) { try NoteVerifierKey("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k") }
        #expect(throws: CryptoError.self) { try NoteVerifierKey("not a key") }
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, _ replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
