/// The one rule for identifiers that reach the store, the logs and the audit trail (`event_id`,
/// `user_id`, `loan_id`, `Idempotency-Key`, who asked for an erasure): `[A-Za-z0-9._:-]{1,128}`.
/// No NUL, control, bidi or other character that a store or a log could cut, reorder or misread.
package enum SafeIdentifier {
    package static let maximumLength = 128
    /// The rule in words, for messages.
    package static let rule = "must be 1 to 128 characters from A-Z, a-z, 0-9, '.', '_', ':' and '-'"

    /// Whether `text` follows the rule.
    package static func isValid(_ text: some StringProtocol) -> Bool {
        let bytes = text.utf8
        return !bytes.isEmpty && bytes.count <= maximumLength && bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }
}
