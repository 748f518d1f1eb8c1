import AFKSimulator
import Foundation
import Testing

/// `JSONValue` reads and writes JSON with Foundation: objects compare as JSON objects do (whatever their key
/// order), written out with sorted keys and explicit `null`s.
struct JSONValueTests {
    @Test func parsesAndWritesJSON() throws {
        let value = try #require(JSONValue.parse(#"{"b": [1, 2.5, true, null, "x/y"], "a": {"c": null}}"#))
        #expect(
            value
                == .obj([
                    "a": .obj(["c": .null]), "b": .array([.int(1), .double(2.5), .bool(true), .null, .string("x/y")]),
                ])
        )
        #expect(value["a"]?.has("c") == true && value["a"]?["c"]?.isNull == true)
        #expect(value.text == #"{"a":{"c":null},"b":[1,2.5,true,null,"x/y"]}"#)
        #expect(JSONValue.parse(value.data) == value)
        #expect(JSONValue.parse(#""\u00e9\ud83d\ude00""#) == .string("é😀"))
        #expect(JSONValue.parse("12345678901234567890") == .double(12_345_678_901_234_567_890))
        #expect(JSONValue.double(.nan).text == "null")
    }

    /// Strings are escaped as RFC 8259 asks (quote, backslash, control characters), and whatever
    /// is written parses back to the same value.
    @Test func writtenTextParsesBackToTheSameValue() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t return \r bell \u{07} nul \u{00} é😀 a/b"
        let value = JSONValue.obj([
            "text": .string(tricky), "key with \"quote\"": .int(-3), "big": .double(1e300), "half": .double(-0.5),
            "list": .array([.null, .bool(false), .object([:]), .array([])]),
        ])
        let text = value.text
        #expect(JSONValue.parse(text) == value, "\(text)")
        #expect(text.contains(#"bell \u0007 nul \u0000"#))
        #expect(text.contains(#""half":-0.5"#))
        #expect(JSONValue.double(3).text == "3")  // a whole double is written as JSONEncoder writes it
        #expect(try JSONSerialization.jsonObject(with: value.data) is [String: Any])
    }

    @Test func rejectsAnythingButOneDocument() {
        for text in ["", " ", "{", #"{"a":1} x"#, "01", "'a'", "{a:1}", "[1 2]"] {
            #expect(JSONValue.parse(text) == nil, "\(text)")
        }
    }
}
