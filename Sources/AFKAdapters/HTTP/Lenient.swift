/// A list element that is skipped, not fatal, when it cannot be decoded.
struct Lenient<T: Decodable>: Decodable {
    let value: T?

    init(from decoder: any Decoder) throws {
        value = try? T(from: decoder)
    }
}

/// A JSON array whose elements are decoded one by one; those that cannot be read are left out
/// (a label object without the `name` every field of which the schema leaves optional).
struct LenientList<T: Decodable>: Decodable {
    let items: [T]

    init(from decoder: any Decoder) throws {
        items = try [Lenient<T>](from: decoder).compactMap(\.value)
    }

    init(_ items: [T]) {
        self.items = items
    }
}
