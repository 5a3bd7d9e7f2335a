import Foundation
import ShiplogCrypto
import Testing

@Suite struct KeyFileTests {
    let passphrase = Array("correct horse battery staple".utf8)

    @Test func plainKeyRoundTrips() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            let key = SigningKey.generate()
            try KeyFile.write(key, to: path)

            let loaded = try KeyFile.read(from: path)
            #expect(loaded.publicKey == key.publicKey)
            #expect(loaded.signature(for: [1, 2, 3]) == key.signature(for: [1, 2, 3]))

            let document =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
                as? [String: Any]
            #expect(document?["format"] as? String == "shiplog-ed25519-key-v1")
            #expect(document?["keyId"] as? String == key.keyID.description)
            #expect(document?["publicKey"] as? String == key.publicKey.base64)
            #expect(document?["seed"] is String)
            #expect(document?["encrypted"] == nil)
        }
    }

    @Test func writtenFileIsReadableByItsOwnerOnly() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            try KeyFile.write(SigningKey.generate(), to: path)
            #expect(try permissions(of: path) == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["alice.key"])
        }
    }

    @Test func encryptedKeyRoundTripsAndDoesNotStoreTheSeed() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            let seed = SecureRandom.bytes(count: 32)
            let key = try SigningKey(seed: seed)
            try KeyFile.write(key, to: path, passphrase: passphrase)

            #expect(try KeyFile.read(from: path, passphrase: passphrase).publicKey == key.publicKey)
            #expect(try permissions(of: path) == 0o600)

            let text = try contents(of: path)
            #expect(!text.contains(Base64.encode(seed)))
            #expect(!text.contains(Hex.encode(seed)))
            #expect(!text.contains("\"seed\""))
            #expect(text.contains("\"kdf\" : \"argon2id13\""))
            #expect(text.contains(key.keyID.description))
        }
    }

    @Test func encryptingTheSameKeyTwiceGivesDifferentFiles() throws {
        try withTemporaryDirectory { directory in
            let key = SigningKey.generate()
            try KeyFile.write(key, to: "\(directory)/a.key", passphrase: passphrase)
            try KeyFile.write(key, to: "\(directory)/b.key", passphrase: passphrase)
            #expect(try contents(of: "\(directory)/a.key") != contents(of: "\(directory)/b.key"))
        }
    }

    @Test func wrongPassphraseIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            try KeyFile.write(SigningKey.generate(), to: path, passphrase: passphrase)

            let wrong = Array("Tr0ub4dor&3".utf8)
            let error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path, passphrase: wrong) }
            #expect(error?.code == .wrongPassphrase)
            #expect(error?.message == "wrong passphrase for key file \(path)")
        }
    }

    @Test func encryptedFileWithoutAPassphraseAsksForOne() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            try KeyFile.write(SigningKey.generate(), to: path, passphrase: passphrase)

            let error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path) }
            #expect(error?.code == .passphraseRequired)
            #expect(
                error?.message
                    == "key file \(path) is encrypted; a passphrase is needed to read it (pass --passphrase-file)"
            )
        }
    }

    @Test func emptyPassphraseIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            let error = #expect(throws: CryptoError.self) {
                try KeyFile.write(SigningKey.generate(), to: path, passphrase: [])
            }
            #expect(error?.code == .passphraseRequired)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func fileReadableByOthersIsRefusedWithAChmodHint() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            try KeyFile.write(SigningKey.generate(), to: path)
            try setPermissions(0o644, of: path)

            let error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path) }
            #expect(error?.code == .keyFilePermissions)
            #expect(error?.message == "key file \(path) is readable by others (mode 0644); run: chmod 600 \(path)")
        }
    }

    @Test(arguments: [0o640, 0o604, 0o620, 0o602, 0o610, 0o601])
    func fileAccessibleByGroupOrOthersIsRefused(mode: Int) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            try KeyFile.write(SigningKey.generate(), to: path)
            try setPermissions(mode, of: path)

            let error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path) }
            #expect(error?.code == .keyFilePermissions)
            #expect(error?.message.contains("chmod 600 \(path)") == true)
        }
    }

    @Test func chmodHintQuotesPathsTheShellWouldSplit() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice's key"
            try KeyFile.write(SigningKey.generate(), to: path)
            try setPermissions(0o644, of: path)

            let error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path) }
            #expect(error?.message.hasSuffix(#"run: chmod 600 '\#(directory)/alice'\''s key'"#) == true)
        }
    }

    @Test func missingFileSaysHowToCreateOne() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            let error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path) }
            #expect(error?.code == .keyFileMissing)
            #expect(
                error?.message
                    == "key file \(path) does not exist; create one with: shiplog keys generate --out \(path)"
            )
        }
    }

    @Test func seedThatDoesNotMatchThePublicKeyIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            let alice = SigningKey.generate()
            try KeyFile.write(alice, to: path)

            let otherSeed = SecureRandom.bytes(count: 32)
            var document = try #require(
                JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            )
            document["seed"] = Base64.encode(otherSeed)
            try write(String(decoding: JSONSerialization.data(withJSONObject: document), as: UTF8.self), to: path)

            let error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path) }
            #expect(error?.code == .keyFileMalformed)
            #expect(
                error?.message
                    == "key file \(path) is corrupted: its seed does not produce its public key (key id \(alice.keyID))"
            )
            #expect(error?.message.contains(Base64.encode(otherSeed)) == false)
        }
    }

    @Test func damagedEncryptedFileIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            try KeyFile.write(SigningKey.generate(), to: path, passphrase: passphrase)
            let text = try contents(of: path)
            try write(text.replacingOccurrences(of: "\"nonce\" : \"", with: "\"nonce\" : \"AAAA"), to: path)

            let error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path, passphrase: passphrase) }
            #expect(error?.code == .keyFileMalformed)
            #expect(error?.message == "key file \(path) is corrupted: encrypted.nonce is not 24 bytes of base64")
        }
    }

    @Test(arguments: [
        ("", "it is not valid JSON"),
        ("{\"format\":\"shiplog-ed25519-key-v1\"", "it is not valid JSON"),
        (
            "{\"format\":\"shiplog-ed25519-key-v1\",\"keyId\":\"21fe31dfa154a261\"}",
            "the field \"publicKey\" is missing"
        ),
        ("{\"format\":1,\"keyId\":\"x\",\"publicKey\":\"x\"}", "the field \"format\" has the wrong type"),
    ])
    func fileThatIsNotAKeyFileIsRefused(text: String, reason: String) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            try write(text, to: path)
            let error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path) }
            #expect(error?.code == .keyFileMalformed)
            #expect(error?.message == "key file \(path) is not a shiplog key file: \(reason)")
        }
    }

    @Test func mismatchedKeyIDOrUnknownFormatIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            try KeyFile.write(SigningKey.generate(), to: path)
            let text = try contents(of: path)

            try write(text.replacingOccurrences(of: "\"keyId\" : \"", with: "\"keyId\" : \"0"), to: path)
            var error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path) }
            #expect(error?.code == .keyFileMalformed)

            try write(text.replacingOccurrences(of: "-v1", with: "-v9"), to: path)
            error = #expect(throws: CryptoError.self) { try KeyFile.read(from: path) }
            #expect(error?.code == .keyFileMalformed)
            #expect(error?.message.contains("shiplog-ed25519-key-v9") == true)
        }
    }

    @Test func existingFileIsNotOverwrittenUnlessAsked() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/alice.key"
            let first = SigningKey.generate()
            let second = SigningKey.generate()
            try KeyFile.write(first, to: path)

            let error = #expect(throws: CryptoError.self) { try KeyFile.write(second, to: path) }
            #expect(error?.code == .keyFileExists)
            #expect(try KeyFile.read(from: path).publicKey == first.publicKey)

            try KeyFile.write(second, to: path, overwrite: true)
            #expect(try KeyFile.read(from: path).publicKey == second.publicKey)
            #expect(try permissions(of: path) == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["alice.key"])
        }
    }

    @Test func writingIntoAMissingDirectoryFailsCleanly() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/missing/alice.key"
            let error = #expect(throws: CryptoError.self) { try KeyFile.write(SigningKey.generate(), to: path) }
            #expect(error?.code == .io)
            #expect(error?.message.hasPrefix("cannot write key file \(path): ") == true)
        }
    }

    @Test func passphraseFileLosesOneTrailingNewline() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/passphrase"
            try write("correct horse\n", to: path)
            #expect(try KeyFile.readPassphrase(fromFile: path) == Array("correct horse".utf8))
            try write("correct horse\r\n", to: path)
            #expect(try KeyFile.readPassphrase(fromFile: path) == Array("correct horse".utf8))
            try write("correct horse\n\n", to: path)
            #expect(try KeyFile.readPassphrase(fromFile: path) == Array("correct horse\n".utf8))
            try write(" spaced ", to: path)
            #expect(try KeyFile.readPassphrase(fromFile: path) == Array(" spaced ".utf8))
        }
    }

    @Test func emptyOrMissingPassphraseFileIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/passphrase"
            var error = #expect(throws: CryptoError.self) { try KeyFile.readPassphrase(fromFile: path) }
            #expect(error?.code == .io)
            #expect(error?.message == "passphrase file \(path) does not exist")

            try write("\n", to: path)
            error = #expect(throws: CryptoError.self) { try KeyFile.readPassphrase(fromFile: path) }
            #expect(error?.code == .passphraseRequired)
        }
    }

    @Test func passphraseFileReadableByOthersIsRefusedWithAChmodHint() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/passphrase"
            try write("correct horse\n", to: path, mode: 0o644)

            let error = #expect(throws: CryptoError.self) { try KeyFile.readPassphrase(fromFile: path) }
            #expect(error?.code == .keyFilePermissions)
            #expect(error?.message == "passphrase file \(path) is readable by others (mode 0644); run: chmod 600 \(path)")
            #expect(error?.message.contains("correct horse") == false)
        }
    }

    @Test(arguments: [0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o444])
    func passphraseFileAccessibleByGroupOrOthersIsRefused(mode: Int) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/passphrase"
            try write("correct horse\n", to: path, mode: mode)
            let error = #expect(throws: CryptoError.self) { try KeyFile.readPassphrase(fromFile: path) }
            #expect(error?.code == .keyFilePermissions)
            #expect(error?.message.contains("chmod 600 \(path)") == true)
        }
    }

    @Test(arguments: [0o600, 0o400])
    func passphraseFileOnlyItsOwnerCanReadIsRead(mode: Int) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/passphrase"
            try write("correct horse\n", to: path, mode: mode)
            #expect(try KeyFile.readPassphrase(fromFile: path) == Array("correct horse".utf8))
        }
    }

    @Test func passphraseFromAPipeIsRead() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let text = Array("correct horse\n".utf8)
        #expect(write(ends[1], text, text.count) == text.count)
        close(ends[1])
        #expect(try KeyFile.readPassphrase(fromFile: "/dev/fd/\(ends[0])") == Array("correct horse".utf8))
    }

    @Test func passphraseFromAFileOpensTheKeyItEncrypted() throws {
        try withTemporaryDirectory { directory in
            try write("s3cret passphrase\n", to: "\(directory)/passphrase")
            let passphrase = try KeyFile.readPassphrase(fromFile: "\(directory)/passphrase")
            let key = SigningKey.generate()
            try KeyFile.write(key, to: "\(directory)/alice.key", passphrase: passphrase)
            #expect(try KeyFile.read(from: "\(directory)/alice.key", passphrase: passphrase).keyID == key.keyID)
        }
    }
}
