import Foundation
import Hummingbird
import ShiplogCore
import ShiplogLedger

/// The bodies a pipeline sends with only its token; the server turns each into the domain's
/// command and signs it for the token. Field names are those of the OpenAPI document.
enum APIBodies {
    /// `POST /v1/builds`.
    struct Build: Decodable {
        var service: String
        var version: String
        var artifact: String
        var commit: String?
        var taskDefinition: String?
    }

    /// `POST /v1/migrations`.
    struct Migration: Decodable {
        var environment: String
        var name: String
        var checksum: String
        var service: String?
        var failed: Bool?
        var error: String?
    }

    /// `POST /v1/deploys`.
    struct DeployRequest: Decodable {
        var service: String
        var environment: String
        var version: String
        var artifact: String?
        var reason: String?
        var allowUnrecorded: Bool?
    }

    /// `POST /v1/deploys/{id}/fail` and `/cancel`.
    struct Reason: Decodable {
        var reason: String?
    }

    /// The answer to `POST /v1/deploys`: the new deploy's id and the receipt.
    struct DeployCreated: Encodable {
        var id: String
        var receipt: CommandReceipt
    }

    /// The body of `request`, read (at most `limit` bytes: 413) and decoded; a malformed one
    /// is a 400 naming the field.
    static func decode<Body: Decodable>(
        _ type: Body.Type, from request: Request, limit: Int = APIRoutes.maximumBody
    ) async throws -> Body {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, .bodyTooLarge, "the body is too large: at most \(limit / 1024) KiB")
        }
        guard buffer.readableBytes > 0 else {
            throw APIError(.badRequest, .badRequest, "the body is empty: send a JSON object (see GET /v1/openapi.json)")
        }
        do {
            return try ReportJSON.decoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError(.badRequest, .badRequest, describe(error))
        } catch let error as LedgerError {
            // A signed command that does not parse.
            throw APIError(.badRequest, .badRequest, error.message)
        }
    }

    /// What is wrong with the body, naming the field.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' must be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' must be \(typeName(type)), not null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "the body is not a JSON object: \(context.debugDescription)"
            }
            return "field '\(path(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default:
            return "the body cannot be read: \(error)"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type: "a whole number"
        default: "\(type)"
        }
    }

    /// A domain value made from a body's field; a bad one is a 400 naming the field.
    static func field<Value>(_ name: String, _ make: () throws -> Value) throws -> Value {
        do {
            return try make()
        } catch let error as any ClassifiedError {
            throw APIError(.badRequest, .badRequest, "field '\(name)': \(error.description)")
        }
    }
}
