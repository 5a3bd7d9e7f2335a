import Foundation
import Testing

@testable import ShiplogCore

@Suite struct LedgerStreamTests {
    @Test func streamNamesFollowTheDesign() throws {
        let prod = env("prod")
        let web = service("home-health-aid-web")
        let cases: [(LedgerStream, String)] = [
            (.ledger, "ledger"),
            (.approvers, "approvers"),
            (.tokens, "tokens"),
            (.policy(prod), "policy-prod"),
            (.build(web, version("2026.11.22-4f2a9c1+build.7")), "build-home-health-aid-web/2026.11.22-4f2a9c1+build.7"),
            (.migrations(prod), "migrations-prod"),
            (.deploy(deployID("d-42")), "deploy-d-42"),
            (.serviceEnvironment(prod, web), "env-prod-home-health-aid-web"),
            (.environment(prod), "env-prod"),
            (.alarm(try AlarmName("prod-web-5xx")), "alarm-prod-web-5xx"),
        ]
        for (stream, name) in cases {
            #expect(stream.name == name)
            #expect(try LedgerStream(name: name) == stream)
        }
        #expect(ledgerError { _ = try LedgerStream(name: "builds-web") }?.message == "unknown stream name 'builds-web'")
    }
}
