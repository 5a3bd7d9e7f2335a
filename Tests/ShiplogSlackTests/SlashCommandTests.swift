import Testing

@testable import ShiplogSlack

@Suite struct SlashCommandTests {
    @Test func theGrammar() throws {
        #expect(try SlashCommand.parse("deploy web 1.2.3 to prod") == .deploy(service: "web", version: "1.2.3", environment: "prod", reason: nil))
        #expect(
            try SlashCommand.parse("  deploy web 1.2.3 TO prod hotfix for the login bug ")
                == .deploy(service: "web", version: "1.2.3", environment: "prod", reason: "hotfix for the login bug"))
        #expect(try SlashCommand.parse("approve d-2k4m7q9x") == .approve(id: "d-2k4m7q9x"))
        #expect(try SlashCommand.parse("reject d-1 not this week") == .reject(id: "d-1", reason: "not this week"))
        #expect(try SlashCommand.parse("cancel d-1") == .cancel(id: "d-1"))
        #expect(try SlashCommand.parse("status") == .status(environment: nil))
        #expect(try SlashCommand.parse("status prod") == .status(environment: "prod"))
        #expect(try SlashCommand.parse("history prod web") == .history(environment: "prod", service: "web"))
        #expect(try SlashCommand.parse("show d-1") == .show(id: "d-1"))
        #expect(try SlashCommand.parse("lock prod web flaky tests") == .lock(environment: "prod", words: ["web", "flaky", "tests"]))
        #expect(try SlashCommand.parse("unlock prod") == .unlock(environment: "prod", service: nil))
        #expect(try SlashCommand.parse("unlock prod web") == .unlock(environment: "prod", service: "web"))
        #expect(try SlashCommand.parse("") == .help)
        #expect(try SlashCommand.parse("help") == .help)
    }

    @Test func mistakesGetTheNearestVerbOrTheUsage() {
        func message(_ text: String) -> String? {
            do {
                _ = try SlashCommand.parse(text)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(message("deplyo web 1.2.3 to prod") == "unknown command 'deplyo': did you mean deploy? usage: /shiplog deploy SERVICE VERSION to ENV [reason]")
        #expect(message("aprove d-1") == "unknown command 'aprove': did you mean approve? usage: /shiplog approve ID")
        #expect(message("frobnicate") == "unknown command 'frobnicate': try /shiplog help")
        #expect(message("deploy web 1.2.3 prod") == "usage: /shiplog deploy SERVICE VERSION to ENV [reason]")
        #expect(message("reject d-1") == "usage: /shiplog reject ID REASON")
        #expect(message("lock prod") == "usage: /shiplog lock ENV [SERVICE] REASON")
    }
}
