import Foundation
import Testing

@testable import ShiplogCore

@Suite struct ApprovalStatementTests {
    let statement = ApprovalStatement(
        deployID: deployID("d-42"), environment: env("prod"), service: service("web"), version: version("1.2.3"),
        artifact: try! ArtifactDigest("sha256:" + String(repeating: "0123456789abcdef", count: 4)),
        expiresAt: time("2026-11-22T14:05:00.750Z"), signer: try! SignerKeyID("a1b2c3d4e5f60718"))

    @Test func canonicalBytesArePinned() {
        let expected =
            "shiplog-approval-v1\n"
            + "deploy=d-42\n"
            + "environment=prod\n"
            + "service=web\n"
            + "version=1.2.3\n"
            + "artifact=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
            + "expires=2026-11-22T14:05:00Z\n"
            + "signer=a1b2c3d4e5f60718\n"
        #expect(statement.canonicalText == expected)
        #expect(statement.canonicalBytes == Array(expected.utf8))
    }

    @Test func expiryIsWholeSeconds() {
        #expect(statement.expiresAt == time("2026-11-22T14:05:00Z"))
    }

    @Test func jsonRoundTripKeepsTheSignedBytes() throws {
        let data = try LedgerEvent.makeEncoder().encode(statement)
        #expect(
            String(decoding: data, as: UTF8.self)
                == #"{"artifact":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","deployID":"d-42","environment":"prod","expiresAt":"2026-11-22T14:05:00.000000Z","service":"web","signer":"a1b2c3d4e5f60718","version":"1.2.3"}"#
        )
        let decoded = try LedgerEvent.makeDecoder().decode(ApprovalStatement.self, from: data)
        #expect(decoded == statement)
        #expect(decoded.canonicalBytes == statement.canonicalBytes)
    }

    @Test func differencesAreNamedInUsersWords() throws {
        let story = try Story()
        let request = LedgerEvent.DeployRequested(
            deployID: deployID("d-42"), environment: env("prod"), service: service("web"), version: version("1.2.3"),
            artifact: statement.artifact, commit: nil, taskDefinition: nil, reason: nil, allowUnrecorded: false,
            requestedBy: story.carol.actor, requestedAt: storyStart)
        #expect(statement.differences(from: request).isEmpty)
        var other = request
        other.artifact = digest("f")
        other.environment = env("staging")
        #expect(statement.differences(from: other) == ["environment", "artifact digest"])
    }
}
