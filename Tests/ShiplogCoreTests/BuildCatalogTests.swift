import Foundation
import Testing

@testable import ShiplogCore

@Suite struct BuildCatalogTests {
    @Test func sameVersionSameDigestIsANoOpDifferentDigestIsRefused() throws {
        var story = try Story()
        let state = story.ledger.builds(story.web)
        let same = try BuildCatalog.decide(
            .record(
                service: story.web, version: version("1.2.3"), artifact: story.artifact123, commit: nil,
                taskDefinition: nil, by: story.ci.actor),
            state: state, now: story.now)
        #expect(same.isEmpty)
        let different = ledgerError { try story.recordBuild(version("1.2.3"), digest("f")) }
        #expect(different?.code == .conflict)
        #expect(
            different?.message
                == "web 1.2.3 was already recorded as \(story.artifact123) by ci-web at 2026-11-22T13:00:00Z; a version names one artifact: record this build under a new version"
        )
        #expect(state.build(artifact: story.artifact122)?.version == version("1.2.2"))
    }
}
