extension KeyedDecodingContainer {
    /// Decodes an optional key, falling back to `fallback` when the key is absent or `null`.
    func value<T: Decodable>(_ key: Key, or fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }
}
