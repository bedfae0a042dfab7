extension String {
    /// Orders strings by their UTF-8 bytes (equivalently, by Unicode code points), the order used
    /// for category levels in model files. Unlike `<`, it does not depend on Unicode
    /// normalization, so it agrees with Python's `sorted` and with byte-wise sorts elsewhere.
    public func precedesInByteOrder(_ other: String) -> Bool {
        utf8.lexicographicallyPrecedes(other.utf8)
    }
}
