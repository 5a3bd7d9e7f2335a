import CLibPQ

/// The rows of one statement's result. Values are decoded from libpq's buffer on access.
public struct PostgresRows: Sequence, Sendable {
    let result: PostgresResult

    public var count: Int { result.rowCount }
    /// Rows inserted, updated or deleted, for statements that report it.
    public var affectedRows: Int { result.affectedRows }
    public var isEmpty: Bool { count == 0 }

    public subscript(index: Int) -> PostgresRow { PostgresRow(result: result, index: Int32(index)) }
    public var first: PostgresRow? { isEmpty ? nil : self[0] }

    public func makeIterator() -> Iterator { Iterator(rows: self) }

    public struct Iterator: IteratorProtocol {
        let rows: PostgresRows
        var index = 0
        public mutating func next() -> PostgresRow? {
            guard index < rows.count else { return nil }
            defer { index += 1 }
            return rows[index]
        }
    }

    /// Decodes every row as a tuple of the given types, in column order.
    public func decode<each T: PostgresDecodable>(_ types: (repeat each T).Type, file: String = #fileID, line: Int = #line) throws -> [(repeat each T)] {
        try map { try $0.decode(types, file: file, line: line) }
    }
}

/// One row of a result.
public struct PostgresRow {
    let result: PostgresResult
    let index: Int32

    /// Decodes column `column` (0-based).
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at column: Int, file: String = #fileID, line: Int = #line) throws -> T {
        do {
            return try T.decode(postgresText: result.value(row: index, column: Int32(column)))
        } catch {
            throw PostgresError(
                code: .decoding,
                message: "column \(result.columnName(Int32(column))) \(error.reason), expected \(T.self)",
                file: file, line: line)
        }
    }

    /// Decodes the column called `name`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column name: String, file: String = #fileID, line: Int = #line) throws -> T {
        guard let column = result.columnIndex(name) else {
            throw PostgresError(code: .decoding, message: "the result has no column \(name)", file: file, line: line)
        }
        return try decode(type, at: column, file: file, line: line)
    }

    /// Decodes the leading columns as a tuple of the given types.
    public func decode<each T: PostgresDecodable>(_ types: (repeat each T).Type, file: String = #fileID, line: Int = #line) throws -> (repeat each T) {
        var column = 0
        func next<U: PostgresDecodable>(_ type: U.Type) throws -> U {
            defer { column += 1 }
            return try decode(type, at: column, file: file, line: line)
        }
        return (repeat try next((each T).self))
    }
}

/// Owns a `PGresult`; read-only once made, so safe to read from any thread.
final class PostgresResult: @unchecked Sendable {
    let pointer: OpaquePointer
    let rowCount: Int
    let columnCount: Int32

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
        self.rowCount = Int(PQntuples(pointer))
        self.columnCount = PQnfields(pointer)
    }

    deinit { PQclear(pointer) }

    var affectedRows: Int { Int(String(cString: PQcmdTuples(pointer))) ?? 0 }

    func value(row: Int32, column: Int32) -> UnsafeBufferPointer<UInt8>? {
        precondition(row < rowCount && column < columnCount, "row \(row) column \(column) is outside the result")
        if PQgetisnull(pointer, row, column) == 1 { return nil }
        let length = Int(PQgetlength(pointer, row, column))
        return PQgetvalue(pointer, row, column).withMemoryRebound(to: UInt8.self, capacity: length) {
            UnsafeBufferPointer(start: $0, count: length)
        }
    }

    func columnName(_ column: Int32) -> String {
        guard column < columnCount, let name = PQfname(pointer, column) else { return "#\(column)" }
        return String(cString: name)
    }

    func columnIndex(_ name: String) -> Int? {
        let index = PQfnumber(pointer, name)
        return index < 0 ? nil : Int(index)
    }
}
