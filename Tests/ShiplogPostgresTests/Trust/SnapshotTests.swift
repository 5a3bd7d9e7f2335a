import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import Testing

@testable import ShiplogPostgres

/// Commands read what they need: a long `env-<env>-<service>` stream starts from the reader's
/// own signed snapshot, and decides exactly as reading it whole would; a snapshot the reader
/// did not sign, or one altered in the database, is never used.
@Suite("Trust: signed snapshots of long streams")
struct SnapshotTests {
    static let place = LedgerStream.serviceEnvironment(try! Environment("prod"), try! ServiceName("web"))

    /// carol requests and cancels web on prod `rounds` times, then alice locks it: a long
    /// `env-prod-web` whose state holds a lock.
    static func longStream(rounds: Int = 40) async throws -> (TrustStory, LedgerService) {
        let story = try await TrustStory.make()
        let carols = LedgerService(store: LedgerStore(events: (story.ledger.store as! LedgerStore).events, snapshotKey: story.carol))
        for _ in 0..<rounds {
            let id = try await carols.requestDeploy(
                service: "web", environment: "prod", version: "1.2.3", artifact: nil, reason: nil, allowUnrecorded: false,
                key: story.carol)
            try await carols.cancel(id.rawValue, reason: nil, key: story.carol)
        }
        try await story.ledger.lock(environment: "prod", service: "web", reason: "incident 7", key: story.alice)
        return (story, carols)
    }

    func snapshotRows(_ story: TrustStory) async throws -> [(signer: String, version: Int64)] {
        try await story.database.connect().query("SELECT signer, version FROM snapshots WHERE stream = 'env-prod-web'")
            .map { try $0.decode((String, Int64).self) }
    }

    @Test("a command writes its snapshot; the next reads only what follows, and decides as a whole read does")
    func snapshotMatchesAWholeRead() async throws {
        let (story, carols) = try await Self.longStream()
        // Every command so far has written (or refreshed) carol's snapshot of env-prod-web.
        let rows = try await snapshotRows(story)
        #expect(rows.map(\.signer) == [story.carol.keyID.description])

        let id = try await carols.requestDeploy(
            service: "web", environment: "prod", version: "1.2.3", artifact: nil, reason: nil, allowUnrecorded: false,
            key: story.carol)
        let streams = Deploy.streams(deployID: id, environment: try Environment("prod"), service: try ServiceName("web"))
        let fromSnapshot = try await carols.store.load(streams)
        let whole = try await story.ledger.store.load(streams)
        #expect(fromSnapshot.world.knownThrough[Self.place] != nil)
        #expect(whole.world.knownThrough.isEmpty)
        #expect(fromSnapshot.world.place(try Environment("prod"), try ServiceName("web")) == whole.world.place(try Environment("prod"), try ServiceName("web")))
        #expect(fromSnapshot.version(Self.place) == whole.version(Self.place))
        #expect(try await carols.gate(id.rawValue).reasons == (try await story.ledger.gate(id.rawValue).reasons))
        #expect(try await story.ledger.gate(id.rawValue).reasons.contains("web on prod is locked by alice: incident 7"))
        #expect(try await story.verify().ok)
    }

    @Test("a snapshot altered in the database, or signed by someone else, is ignored: the lock still holds")
    func forgedSnapshotIsIgnored() async throws {
        let (story, carols) = try await Self.longStream()
        // The database role points web on prod at its own cluster in carol's snapshot, keeping her signature.
        try await story.database.connect().execute(
            unsafeSQL: #"UPDATE snapshots SET state = replace(state, '"service":"web"', '"service":"web","target":{"cluster":"evil","ecsService":"web"}') WHERE stream = 'env-prod-web'"#)
        let altered = try await story.database.connect().query("SELECT state FROM snapshots")[0].decode(String.self, at: 0)
        #expect(altered.contains("evil"))
        let streams = Deploy.streams(deployID: try DeployID("d-none"), environment: try Environment("prod"), service: try ServiceName("web"))
        let loaded = try await carols.store.load(streams)
        #expect(loaded.world.knownThrough.isEmpty, "the altered snapshot was not used")
        #expect(loaded.world.place(try Environment("prod"), try ServiceName("web")).target == nil)
        #expect(loaded.world.place(try Environment("prod"), try ServiceName("web")).lock?.reason == "incident 7")

        // bob's store never uses carol's snapshot, and writes his own.
        let bobs = LedgerStore(events: (story.ledger.store as! LedgerStore).events, snapshotKey: story.bob)
        #expect(try await bobs.load(streams).world.knownThrough.isEmpty)
        #expect(Set(try await snapshotRows(story).map(\.signer)) == [story.carol.keyID.description, story.bob.keyID.description])
    }

    @Test("an old command appended again after the snapshot is still a replay")
    func replayAcrossTheSnapshot() async throws {
        let (story, carols) = try await Self.longStream()
        let row = try await story.database.connect().query(
            """
            SELECT payload::text, metadata::text FROM events
             WHERE stream = 'env-prod-web' AND type = 'ActiveDeployClosed' ORDER BY position LIMIT 1
            """)[0]
        let (payload, metadata) = try row.decode((String, String).self)
        let replayed = try await story.forger.store.append(
            [try NewEvent(type: "ActiveDeployClosed", payload: payload, metadata: metadata, actor: "carol")], to: "env-prod-web"
        ).firstPosition
        let streams = Deploy.streams(deployID: try DeployID("d-none"), environment: try Environment("prod"), service: try ServiceName("web"))
        let loaded = try await carols.store.load(streams)
        #expect(loaded.world.knownThrough[Self.place] != nil)
        let skipped = try #require(loaded.skipped.first { $0.position == replayed })
        #expect(skipped.reason.contains("replays command") || skipped.reason.contains("without its signature"))
        #expect(loaded.world.place(try Environment("prod"), try ServiceName("web")).lock?.reason == "incident 7")
    }
}
