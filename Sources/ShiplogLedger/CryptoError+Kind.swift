import ShiplogCore
import ShiplogCrypto

/// Key files and keys are the application layer's inputs: a bad one is the user's to fix.
extension CryptoError: ClassifiedError {
    public var kind: ErrorKind {
        switch code {
        case .io, .keyDerivationFailed: .failure
        default: .invalidInput
        }
    }
}
