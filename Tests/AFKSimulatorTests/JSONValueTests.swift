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

    @Test func rejectsAnythingButOneDocument() {
        for text in ["", " ", "{", #"{"a":1} x"#, "01", "'a'", "{a:1}", "[1 2]"] {
            #expect(JSONValue.parse(text) == nil, "\(text)")
        }
    }
}
