import Foundation
import HTTPTypes
import Hummingbird
import ShiplogCore
import ShiplogLedger
import ShiplogPostgres

/// An error answer of the `/v1` API, in its one shape (`APIErrorDocument`). Every error a
/// route throws becomes one (`APIErrorMiddleware`); the ledger's refusals keep their code.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    init(_ status: HTTPResponse.Status, _ code: APIErrorDocument.DoorCode, _ message: String) {
        self.status = status
        self.code = code.rawValue
        self.message = message
    }

    init(status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = (try? ReportJSON.encode(APIErrorDocument(code: code, message: message))) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The answer for any error: the one mapping of the ledger's codes to HTTP statuses.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as LedgerError: return APIError(status: status(of: error.code), code: error.code.rawValue, message: error.message)
        case let error as any HTTPResponseError:
            // Hummingbird's own (a body over the limit, a missing route parameter).
            switch error.status {
            case .contentTooLarge: return APIError(.contentTooLarge, .bodyTooLarge, "the body is too large: at most 64 KiB")
            case .notFound: return APIError(.notFound, .noSuchEndpoint, "no such endpoint: see GET /v1/openapi.json")
            default: return APIError(status: error.status, code: APIErrorDocument.DoorCode.badRequest.rawValue, message: "\(error)")
            }
        case let error as any ClassifiedError:
            switch error.kind {
            case .invalidInput: return APIError(.badRequest, .badRequest, error.description)
            case .notFound: return APIError(status: .notFound, code: LedgerError.Code.notFound.rawValue, message: error.description)
            case .refused: return APIError(status: status(of: .conflict), code: LedgerError.Code.conflict.rawValue, message: error.description)
            case .gateClosed: return APIError(status: .unprocessableContent, code: LedgerError.Code.gateClosed.rawValue, message: error.description)
            case .retry: return APIError(status: .conflict, code: LedgerError.Code.raceLost.rawValue, message: error.description)
            case .unavailable: return APIError(.serviceUnavailable, .unavailable, error.description)
            case .failure: return APIError(.internalServerError, .internalError, "the server failed: nothing was written (\(error.description))")
            }
        default:
            return APIError(.internalServerError, .internalError, "the server failed; nothing was written: see its log")
        }
    }

    /// 403 for authority, 404 for unknown names, 409 for the state of things (a version
    /// conflict, a deploy already in flight, a duplicate), 422 for the domain's rules (a
    /// closed gate, a refused approval).
    static func status(of code: LedgerError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidValue: .badRequest
        case .notFound: .notFound
        case .notAuthorized: .forbidden
        case .alreadyExists, .conflict, .wrongState, .raceLost: .conflict
        case .gateClosed, .approvalRefused: .unprocessableContent
        case .malformedEvent: .internalServerError
        }
    }
}

/// Turns whatever a `/v1` route throws into its JSON error answer, and logs what was not the
/// caller's fault.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let answer = APIError.from(error)
            if answer.status.code >= 500 {
                context.logger.error("an API request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            return try answer.response(from: request, context: context)
        }
    }
}
