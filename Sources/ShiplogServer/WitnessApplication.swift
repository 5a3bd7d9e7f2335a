import Foundation
import Hummingbird
import Logging
import ShiplogCrypto
import ShiplogLedger

/// `shiplog witness serve`: the witness alone, with no database and nothing of the ledger's.
///
///     POST /add-checkpoint        C2SP tlog-witness: the cosignature lines, or why not
///     GET  /checkpoint?origin=O   the newest checkpoint it cosigned for that log
///     GET  /healthz
public func buildWitnessApplication(
    witness: Witness, host: String, port: Int, logger: Logger = Logger(label: "shiplog.witness")
) -> some ApplicationProtocol {
    let router = Router()
    router.get("healthz") { _, _ in "ok\n" }
    router.post("add-checkpoint") { request, context -> Response in
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let answer = await witness.addCheckpoint(String(buffer: buffer))
        return Response(
            status: .init(code: answer.status), headers: [.contentType: answer.contentType],
            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }
    router.get("checkpoint") { request, _ -> Response in
        guard let origin = request.uri.queryParameters.get("origin"), let note = await witness.latest(of: origin) else {
            return Response(
                status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "no checkpoint cosigned for that origin (give ?origin=ORIGIN)\n")))
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: note)))
    }
    return Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
}
