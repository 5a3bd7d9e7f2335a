import Foundation
import Testing

@testable import ShiplogCore

@Suite struct NameTests {
    @Test func artifactDigestIsSha256WithSixtyFourLowercaseHex() throws {
        let good = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
        #expect(try ArtifactDigest(good).rawValue == good)
        #expect(try ArtifactDigest(good).short == "sha256:0123456789ab")
        for bad in [
            "sha256:abc", "sha256:" + String(repeating: "A", count: 64), "sha512:" + String(repeating: "a", count: 64),
            String(repeating: "a", count: 64), "sha256:" + String(repeating: "g", count: 64),
            "sha256:" + String(repeating: "a", count: 65), "",
        ] {
            let error = ledgerError { _ = try ArtifactDigest(bad) }
            #expect(error?.code == .invalidValue)
            #expect(error?.message.hasPrefix("malformed artifact digest '") == true)
        }
        #expect(
            ledgerError { _ = try ArtifactDigest("sha256:abc") }?.message
                == "malformed artifact digest 'sha256:abc': expected sha256: followed by 64 hex characters")
    }

    @Test func serviceNames() throws {
        for good in ["web", "api", "home-health-aid-web", "a", "0web", String(repeating: "x", count: 63)] {
            #expect(throws: Never.self) { try ServiceName(good) }
        }
        for bad in ["", "Web", "-web", "web_api", "web api", String(repeating: "x", count: 64), "wéb"] {
            #expect(ledgerError { _ = try ServiceName(bad) }?.code == .invalidValue)
        }
        #expect(
            ledgerError { _ = try ServiceName("Web") }?.message
                == "invalid service name 'Web': use 1 to 63 lowercase letters, digits and '-', starting with a letter or digit"
        )
    }

    @Test func environmentsCannotContainADash() throws {
        for good in ["prod", "staging", "eu_prod", "dev2"] {
            #expect(throws: Never.self) { try Environment(good) }
        }
        #expect(
            ledgerError { _ = try Environment("prod-eu") }?.message
                == "invalid environment 'prod-eu': use 1 to 32 lowercase letters, digits and '_', starting with a letter or digit ('-' is not allowed: it separates environment and service in stream names; try 'prod_eu')"
        )
        #expect(ledgerError { _ = try Environment("Prod") }?.code == .invalidValue)
    }

    @Test func deployIDsStartWithD() throws {
        #expect(try DeployID("d-42").rawValue == "d-42")
        #expect(try DeployID(shortID: "7k3m9q").rawValue == "d-7k3m9q")
        for bad in ["42", "d-", "d-4 2", "D-42", "d-42-x", "deploy-42"] {
            #expect(ledgerError { _ = try DeployID(bad) }?.code == .invalidValue)
        }
        #expect(
            ledgerError { _ = try DeployID("42") }?.message
                == "invalid deploy id '42': expected d- followed by 1 to 40 lowercase letters or digits, like d-42")
    }

    @Test func signerKeyIDsAreSixteenLowercaseHex() throws {
        #expect(try SignerKeyID("0123456789abcdef").rawValue == "0123456789abcdef")
        #expect(
            ledgerError { _ = try SignerKeyID("0123456789ABCDEF") }?.message
                == "invalid key id '0123456789ABCDEF': expected 16 lowercase hex characters")
        #expect(ledgerError { _ = try SignerKeyID("0123") }?.code == .invalidValue)
    }

    @Test func versionsFitOnOneStatementLine() throws {
        for good in ["1.2.3", "v42", "2026.11.22-4f2a9c1", "1.0.0+build.7", "1.0.0-rc_1"] {
            #expect(throws: Never.self) { try ServiceVersion(good) }
        }
        for bad in ["", "1.2.3\nsigner=x", "1 2", ".1", "1=2", "1/2"] {
            #expect(ledgerError { _ = try ServiceVersion(bad) }?.code == .invalidValue)
        }
    }

    @Test func otherNames() throws {
        #expect(throws: Never.self) { try ActorName("ci-web.bot_1") }
        #expect(ledgerError { _ = try ActorName("Alice") }?.code == .invalidValue)
        #expect(throws: Never.self) { try AlarmName("staging-api-5xx-errors") }
        #expect(throws: Never.self) { try AlarmName("Prod Web: 5XX > 5%") }
        #expect(ledgerError { _ = try AlarmName(" padded") }?.code == .invalidValue)
        #expect(ledgerError { _ = try AlarmName("line\nbreak") }?.code == .invalidValue)
        #expect(throws: Never.self) { try SlackUserID("U024BE7LH") }
        #expect(ledgerError { _ = try SlackUserID("u024") }?.code == .invalidValue)
        #expect(ledgerError { _ = try MigrationChecksum("xyz") }?.code == .invalidValue)
        #expect(
            ledgerError { _ = try PublicKeyBytes([1, 2, 3]) }?.message
                == "a public key must be 32 bytes (Ed25519), got 3")
    }

    @Test func namesDecodeOnlyWhenValid() throws {
        let decoder = JSONDecoder()
        #expect(try decoder.decode([ServiceName].self, from: Data(#"["web"]"#.utf8)) == [service("web")])
        #expect(throws: DecodingError.self) { try decoder.decode([ServiceName].self, from: Data(#"["Web"]"#.utf8)) }
    }
}
