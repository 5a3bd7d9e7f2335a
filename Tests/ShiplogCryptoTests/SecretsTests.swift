import ShiplogCrypto
import Testing

@Suite struct ConstantTimeTests {
    @Test func equalBytesCompareEqual() {
        let mac = SecureRandom.bytes(count: 32)
        #expect(ConstantTime.equal(mac, mac))
        #expect(ConstantTime.equal([], []))
    }

    @Test func anyDifferenceCompareUnequal() {
        let mac = SecureRandom.bytes(count: 32)
        for index in [0, 15, 31] {
            var other = mac
            other[index] ^= 0x80
            #expect(!ConstantTime.equal(mac, other), "byte \(index)")
        }
    }

    @Test func differentLengthsCompareUnequal() {
        let mac = SecureRandom.bytes(count: 32)
        #expect(!ConstantTime.equal(mac, Array(mac.prefix(31))))
        #expect(!ConstantTime.equal(mac, mac + [0]))
        #expect(!ConstantTime.equal([], mac))
    }
}

@Suite struct SecureRandomTests {
    @Test func givesTheRequestedNumberOfDistinctBytes() {
        #expect(SecureRandom.bytes(count: 0) == [])
        let first = SecureRandom.bytes(count: 32)
        let second = SecureRandom.bytes(count: 32)
        #expect(first.count == 32)
        #expect(first != second)
    }
}
