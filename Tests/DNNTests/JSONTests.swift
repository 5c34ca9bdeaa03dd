import Testing
@testable import DNN

/// Our JSON value and parser: values, key order, integers vs decimals, escapes,
/// serialization, and syntax errors at the right line and column.
@Suite struct JSONTests {
    /// The error `JSON.parse` throws for `text`, or nil after recording an issue.
    func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> DNNError? {
        expectError(.config, sourceLocation: sourceLocation) { try JSON.parse(text, file: "t.json") }
    }

    @Test func scalars() throws {
        #expect(try JSON.parse("null", file: "t") == .null)
        #expect(try JSON.parse(" true ", file: "t") == .bool(true))
        #expect(try JSON.parse("false", file: "t") == .bool(false))
        #expect(try JSON.parse("\"hi\"", file: "t") == .string("hi"))
        let number = try JSON.parse("-0.5e2", file: "t")
        #expect(number.double == -50)
        guard case .number(_, let text) = number else { Issue.record("not a number"); return }
        #expect(text == "-0.5e2")
        #expect(try JSON.parse("0", file: "t").int == 0)
        #expect(try JSON.parse("1E+2", file: "t").double == 100)
    }

    @Test func integersAreToldApartFromDecimals() throws {
        let three = try JSON.parse("3", file: "t"), threePointZero = try JSON.parse("3.0", file: "t")
        #expect(three.isInteger && three.int == 3)
        #expect(!threePointZero.isInteger && threePointZero.int == nil && threePointZero.double == 3)
        #expect(try JSON.parse("1e3", file: "t").int == nil)
        #expect(try JSON.parse("-7", file: "t").int == -7)
        #expect(three != threePointZero)
        #expect(try JSON.parse("1.0", file: "t") == JSON.parse("1.00", file: "t"))
        #expect(try JSON.parse("-0", file: "t") == JSON.parse("0", file: "t"))
        // Integers beyond 2^53 stay exact: they compare and serialize by their digits.
        let big = try JSON.parse("18446744073709551615", file: "t")
        #expect(big.serialized(pretty: false) == "18446744073709551615")
        #expect(big != (try JSON.parse("18446744073709551614", file: "t")))
        #expect(big.int == nil)  // does not fit an Int
    }

    @Test func objectsKeepKeyOrder() throws {
        let json = try JSON.parse(#"{"b": 1, "a": {"z": true, "y": null}, "c": [3, 2.5]}"#, file: "t")
        #expect(json.object?.map(\.key) == ["b", "a", "c"])
        #expect(json["a"]?.object?.map(\.key) == ["z", "y"])
        #expect(json["c"]?[1]?.double == 2.5)
        #expect(json["c"]?[2] == nil)
        #expect(json["missing"] == nil)
        #expect(json.serialized(pretty: false) == #"{"b":1,"a":{"z":true,"y":null},"c":[3,2.5]}"#)
        let reordered = try JSON.parse(#"{"a": {"z": true, "y": null}, "b": 1, "c": [3, 2.5]}"#, file: "t")
        #expect(json != reordered)
    }

    @Test func prettySerializationIndentsByTwoSpaces() throws {
        let json: JSON = ["a": [1, 2.5], "b": [:], "c": [], "d": ["e": "f"]]
        #expect(json.serialized(pretty: true) == """
            {
              "a": [
                1,
                2.5
              ],
              "b": {},
              "c": [],
              "d": {
                "e": "f"
              }
            }
            """)
    }

    @Test func numbersSerializeShortestRoundTrip() throws {
        #expect(JSON.number(1e-5).serialized(pretty: false) == "1e-05")
        #expect(JSON.number(0.1).serialized(pretty: false) == "0.1")
        #expect(JSON.number(1).serialized(pretty: false) == "1.0")
        #expect(JSON.integer(-12).serialized(pretty: false) == "-12")
        #expect(JSON.integer(UInt64.max).serialized(pretty: false) == "18446744073709551615")
        #expect(JSON.number(.nan).serialized(pretty: false) == "null")
        // Written as text, decimals come back in Swift's form, integers as written.
        #expect(try JSON.parse("[1.50, 2E3, 7]", file: "t").serialized(pretty: false) == "[1.5,2000.0,7]")
        for value in [0.1, 1.0 / 3, 2.5e-300, 1.7976931348623157e308, -0.0, 123456.789] {
            let text = JSON.number(value).serialized(pretty: false)
            #expect(try JSON.parse(text, file: "t").double == value)
        }
    }

    @Test func roundTripOfANestedDocument() throws {
        let text = #"""
            {"name": "run \"1\"", "list": [1, -2.25, 3e-7, true, false, null, [], {}],
             "nested": {"deep": [{"a": [[["x"]]]}], "unicode": "é😀\u0001\t"}}
            """#
        let json = try JSON.parse(text, file: "t")
        for pretty in [false, true] {
            #expect(try JSON.parse(json.serialized(pretty: pretty), file: "t") == json)
        }
    }

    @Test func unicodeEscapes() throws {
        let json = try JSON.parse(#""\u00e9\ud83d\ude00\n\t\"\\\/\u0041\b\f\r""#, file: "t")
        #expect(json == .string("é😀\n\t\"\\/A\u{08}\u{0C}\r"))
        #expect(json.serialized(pretty: false) == #""é😀\n\t\"\\/A\b\f\r""#)
        #expect(JSON.string("\u{01}\u{1F}").serialized(pretty: false) == #""\u0001\u001f""#)
        #expect(try JSON.parse(#""\uD834\uDD1E""#, file: "t") == .string("𝄞"))
        #expect(try JSON.parse("\"日本語 é\"", file: "t") == .string("日本語 é"))
    }

    @Test func unicodeEscapeErrors() {
        let lone = parseError(#"["\ud83d"]"#)
        #expect(lone?.location == "t.json:1:3")
        #expect(lone?.message.contains("unpaired surrogate \\uD83D") == true)
        let low = parseError(#""\udc00""#)
        #expect(low?.message.contains("a low surrogate must follow a high surrogate") == true)
        let pairWithNonLow = parseError(#""\ud83d\u0041""#)
        #expect(pairWithNonLow?.message.contains("unpaired surrogate") == true)
        let short = parseError(#""\u12""#)
        #expect(short?.message == "invalid \\u escape: expected four hexadecimal digits")
        let badEscape = parseError(#""a\x""#)
        #expect(badEscape?.location == "t.json:1:3")
        #expect(badEscape?.message == "invalid escape '\\' followed by 'x'")
    }

    @Test func missingCommaReportsLineAndColumn() {
        let error = parseError("{\n  \"a\": 1\n  \"b\": 2\n}")
        #expect(error?.location == "t.json:3:3")
        #expect(error?.message == "expected ',' or '}' after an object member")
        #expect(error?.hint == "is a ',' missing before it?")
        #expect(error?.description == "t.json:3:3: expected ',' or '}' after an object member (is a ',' missing before it?)")
        let array = parseError("[1, 2\n 3]")
        #expect(array?.location == "t.json:2:2")
        #expect(array?.message == "expected ',' or ']' after an array element")
    }

    @Test func strictnessErrors() {
        #expect(parseError("[1, 2,]")?.message == "a trailing comma before ']' is not allowed in JSON")
        #expect(parseError("[1, 2,]")?.location == "t.json:1:7")
        #expect(parseError("{\"a\": 1,\n}")?.location == "t.json:2:1")
        #expect(parseError("{\"a\": 1,\n}")?.message == "a trailing comma before '}' is not allowed in JSON")
        #expect(parseError("{ // note\n}")?.message == "comments are not allowed in JSON")
        #expect(parseError("[1] /* x */")?.message == "expected the end of the input after the JSON value, got '/'")
        #expect(parseError("{'a': 1}")?.hint == "JSON strings use double quotes")
        #expect(parseError("[NaN]")?.message == "expected a value, got 'NaN'")
        #expect(parseError("[NaN]")?.hint == "JSON has no NaN or Infinity")
        #expect(parseError("[-Infinity]")?.message == "expected a value, got '-Infinity'")
        #expect(parseError("{\"a\": True}")?.hint == "JSON writes true, false and null in lowercase")
        #expect(parseError("[012]")?.message == "leading zeros are not allowed in JSON numbers")
        #expect(parseError("[1.]")?.message == "expected a digit after the decimal point, got ']'")
        #expect(parseError("[.5]")?.hint == "JSON numbers start with a digit: 0.5, not .5")
        #expect(parseError("[+1]")?.hint == "JSON numbers have no leading '+'")
        #expect(parseError("[1e]")?.message == "expected a digit in the exponent, got ']'")
        #expect(parseError("[1e999]")?.message == "the number 1e999 is out of range")
        #expect(parseError("[tru]")?.message == "expected a value, got 'tru'")
        #expect(parseError("[truex]")?.message == "expected a value, got 'truex'")
        #expect(parseError("")?.message == "the input is empty, expected a JSON value")
        #expect(parseError("  \n ")?.location == "t.json:2:2")
        #expect(parseError("{\"a\" 1}")?.message == "expected ':' after the key \"a\", got '1'")
        #expect(parseError("{\"a\": 1")?.message == "expected ',' or '}' after an object member, got the end of the input")
        #expect(parseError("{1: 2}")?.message == "expected a key in double quotes, got '1'")
        #expect(parseError("1 2")?.location == "t.json:1:3")
    }

    @Test func stringErrors() {
        let unterminated = parseError("{\"name\": \"abc")
        #expect(unterminated?.message == "unterminated string (it starts at line 1, column 10)")
        let lineBreak = parseError("[\"ab\ncd\"]")
        #expect(lineBreak?.location == "t.json:1:5")
        #expect(lineBreak?.message == "unterminated string (a line break inside a string is written \\n)")
        let control = parseError("[\"a\u{01}\"]")
        #expect(control?.message == "control character U+0001 inside a string must be escaped")
    }

    @Test func duplicateKeysNameThePathAndBothPlaces() {
        let error = parseError("{\"solver\": {\"optimizer\": {\"lr\": 1,\n   \"lr\": 2}}}")
        #expect(error?.location == "t.json:2:4")
        #expect(error?.message == "duplicate key \"lr\" at solver.optimizer.lr (first at line 1, column 27)")
        let inArray = parseError("{\"layers\": [{}, {\"p\": 1, \"p\": 2}]}")
        #expect(inArray?.message.hasPrefix("duplicate key \"p\" at layers[1].p") == true)
    }

    @Test func columnsCountCharactersNotBytes() {
        let error = parseError("{\"é😀\": 1 x}")
        #expect(error?.location == "t.json:1:10")
    }

    @Test func byteOrderMarkIsSkipped() throws {
        #expect(try JSON.parse("\u{FEFF}{\"a\": 1}", file: "t") == ["a": 1])
    }

    @Test func deepNestingIsRefusedNotCrashed() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(parseError(deep)?.message == "nesting deeper than 512 levels")
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(try JSON.parse(fine, file: "t").array?.count == 1)
    }

    /// Every prefix and many single-byte corruptions of a document either parse or throw
    /// a `DNNError`; none traps.
    @Test func truncatedAndCorruptedInputNeverTraps() {
        let text = #"{"a": [1, -2.5e3, "x\u00e9\ud83d\ude00", {"b": null, "c": true}], "d": "é"}"#
        let scalars = Array(text.unicodeScalars)
        let replacements: [Unicode.Scalar] = ["\"", "\\", "{", "}", "[", "]", ",", ":", "-", "e", "0", " ", "\n", "u", "\u{00}"]
        var inputs: [String] = []
        for end in 0...scalars.count {
            inputs.append(String(String.UnicodeScalarView(scalars[0..<end])))
        }
        for position in scalars.indices {
            for replacement in replacements {
                var copy = scalars
                copy[position] = replacement
                inputs.append(String(String.UnicodeScalarView(copy)))
            }
        }
        var failures = 0
        for input in inputs {
            do {
                _ = try JSON.parse(input, file: "t")
            } catch is DNNError {
                failures += 1
            } catch {
                Issue.record("non-DNNError \(error) for \(input)")
            }
        }
        #expect(failures > 0)
    }

    @Test func literalsAndAccessors() {
        let json: JSON = ["s": "x", "i": 3, "d": 0.5, "b": false, "n": .null, "a": [1]]
        #expect(json["s"]?.stringValue == "x")
        #expect(json["i"]?.int == 3)
        #expect(json["i"]?.double == 3)
        #expect(json["d"]?.int == nil)
        #expect(json["b"]?.bool == false)
        #expect(json["n"]?.isNull == true)
        #expect(json["a"]?.array == [1])
        #expect(json["s"]?.int == nil)
        #expect(json.description == #"{"s":"x","i":3,"d":0.5,"b":false,"n":null,"a":[1]}"#)
    }
}
