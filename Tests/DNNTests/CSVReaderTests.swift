import Foundation
import Testing
@testable import DNN

/// A fresh temporary folder for one test's files, removed when the test lets go of it.
final class DataTestFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("dnn-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` as UTF-8 to `name` in the folder and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes `bytes` to `name` in the folder and returns its path.
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let file = "\(path)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// The error a throwing call raised, for assertions on its location and message.
func dataTestError(_ body: () throws -> Any) -> DNNError? {
    do {
        _ = try body()
        return nil
    } catch let error as DNNError {
        return error
    } catch {
        return nil
    }
}

/// CSVReader: the RFC 4180 details real files have, and the exact file:line:column of
/// every error.
@Suite struct CSVReaderTests {
    @Test func readsFeaturesAndStringLabels() throws {
        let folder = try DataTestFolder()
        let file = try folder.write("iris.csv", """
            sepal_length,sepal_width,species
            5.1,3.5,setosa
            4.9,3.0,versicolor

            6.2,-0.25e1,virginica
            """)
        let table = try CSVReader.read(path: file, labelColumn: "species")
        #expect(table.features == [5.1, 3.5, 4.9, 3.0, 6.2, -2.5])
        #expect(table.featureCount == 2)
        #expect(table.featureNames == ["sepal_length", "sepal_width"])
        #expect(table.labels == ["setosa", "versicolor", "virginica"])
        #expect(table.rows == 3)
        #expect(table.lineNumbers == [2, 3, 5])
        #expect(table.sampleShape == [2])
    }

    @Test func quotedFieldsCRLFAndByteOrderMark() throws {
        let folder = try DataTestFolder()
        let text = "\u{FEFF}\"first, name\",\"b\"\"q\",label\r\n"
            + " \"1.5\" , 2 ,\"a, \"\"quoted\"\" label\"\r\n"
            + "\r\n"
            + "3,  4.25  ,\"multi\nline\"\r\n"
            + "5,6,  plain  "
        let file = try folder.write("quoted.csv", text)
        let table = try CSVReader.read(path: file, labelColumn: "label")
        #expect(table.featureNames == ["first, name", "b\"q"])
        #expect(table.features == [1.5, 2, 3, 4.25, 5, 6])
        #expect(table.labels == ["a, \"quoted\" label", "multi\nline", "plain"])
        #expect(table.lineNumbers == [2, 4, 6])
    }

    @Test func numericLabelColumnInTheMiddle() throws {
        let folder = try DataTestFolder()
        let file = try folder.write("numbers.csv", "x,y,z\n1,0,2\n3,1,4\n5,2,6\n")
        let table = try CSVReader.read(path: file, labelColumn: "y")
        #expect(table.features == [1, 2, 3, 4, 5, 6])
        #expect(table.featureNames == ["x", "z"])
        #expect(table.labels == ["0", "1", "2"])
    }

    @Test func withoutLabelColumnEveryColumnIsAFeature() throws {
        let folder = try DataTestFolder()
        let file = try folder.write("unlabelled.csv", "a,b\n1,2\n3,4")
        let table = try CSVReader.read(path: file, labelColumn: nil)
        #expect(table.features == [1, 2, 3, 4])
        #expect(table.labels == nil)
        #expect(table.featureCount == 2)
        #expect(table.sampleShape == [2])
    }

    /// The fast path (Clinger) and the strtof fallback agree with Swift's own correctly
    /// rounded Float parser on many spellings.
    @Test func parsesNumbersExactlyAsFloatDoes() throws {
        var random = RandomGenerator(seed: 7)
        var texts: [String] = ["0", "-0", "+1", ".5", "5.", "1e3", "1E-3", "0.000001", "123456789",
                               "16777217", "3.4028235e38", "1e-45", "0.1", "0.30000000000000004",
                               "000123.4500", "9999999999999999999999", "1.00000005960464477539062"]
        for _ in 0..<500 {
            let value = Float(random.uniform() * 2 - 1) * Float(pow(10, Double(Int(random.next() % 20)) - 10))
            texts.append(value.description)
            texts.append(String(format: "%.4f", value))
            texts.append(String(format: "%.12e", Double(value)))
            texts.append(Double(value).description)
        }
        let folder = try DataTestFolder()
        let file = try folder.write("numbers.csv", "v\n" + texts.joined(separator: "\n"))
        let table = try CSVReader.read(path: file, labelColumn: nil)
        #expect(table.rows == texts.count)
        for (index, text) in texts.enumerated() {
            let expected = Float(text)!
            #expect(table.features[index].bitPattern == expected.bitPattern, "\(text)")
        }
    }

    @Test func raggedRowsNameTheLineAndColumn() throws {
        let folder = try DataTestFolder()
        // Label last: the short row ends after a number read on the fast path.
        let short = try folder.write("short.csv", "a,b,c\n1,2,x\n3,4\n")
        let error = try #require(dataTestError { try CSVReader.read(path: short, labelColumn: "c") })
        #expect(error.kind == .data)
        #expect(error.location == "\(short):3:4")
        #expect(error.message == "expected 3 fields, found 2")

        // Label in the middle, quoted: the short row ends after a scanned field.
        let quoted = try folder.write("quoted.csv", "a,label,b\n1,x,2\n1,\"x\"\r\n")
        let error2 = try #require(dataTestError { try CSVReader.read(path: quoted, labelColumn: "label") })
        #expect(error2.location == "\(quoted):3:6")
        #expect(error2.message == "expected 3 fields, found 2")

        // A field too many: reported where the extra field starts, with the full count.
        let long = try folder.write("long.csv", "a,b,c\n1,2,x\n3,4,y,5,6")
        let error3 = try #require(dataTestError { try CSVReader.read(path: long, labelColumn: "c") })
        #expect(error3.location == "\(long):3:7")
        #expect(error3.message == "expected 3 fields, found 5")
    }

    @Test func nonNumericValueNamesLineColumnAndHeader() throws {
        let folder = try DataTestFolder()
        let file = try folder.write("bad.csv", "species,sepal_length,sepal_width\nsetosa,5.1,3.5\nsétosa, abc ,3.0\n")
        let error = try #require(dataTestError { try CSVReader.read(path: file, labelColumn: "species") })
        #expect(error.kind == .data)
        // Columns count characters: "sétosa," is 7 characters (8 bytes).
        #expect(error.location == "\(file):3:8")
        #expect(error.message == "'abc' in column 'sepal_length' is not a number")

        let infinite = try folder.write("inf.csv", "a,b\n1,x\n1e50,y\n")
        let error2 = try #require(dataTestError { try CSVReader.read(path: infinite, labelColumn: "b") })
        #expect(error2.location == "\(infinite):3:1")
        #expect(error2.message == "'1e50' in column 'a' is not a finite number")

        let nan = try folder.write("nan.csv", "a,b\nnan,x\n")
        let error3 = try #require(dataTestError { try CSVReader.read(path: nan, labelColumn: "b") })
        #expect(error3.message == "'nan' in column 'a' is not a number")

        let empty = try folder.write("empty-value.csv", "a,b,c\n1,,x\n")
        let error4 = try #require(dataTestError { try CSVReader.read(path: empty, labelColumn: "c") })
        #expect(error4.location == "\(empty):2:3")
        #expect(error4.message == "the value in column 'b' is empty; expected a number")
    }

    @Test func missingLabelColumnSuggestsTheNearest() throws {
        let folder = try DataTestFolder()
        let file = try folder.write("iris.csv", "sepal_length,petal_length,species\n1,2,setosa\n")
        let error = try #require(dataTestError { try CSVReader.read(path: file, labelColumn: "specie") })
        #expect(error.kind == .data)
        #expect(error.location == "\(file):1:1")
        #expect(error.message == "label column 'specie' is not in the header (columns: sepal_length, petal_length, species)")
        #expect(error.hint == "did you mean 'species'?")
        #expect(error.description.contains("did you mean 'species'?"))

        let far = dataTestError { try CSVReader.read(path: file, labelColumn: "target") }
        #expect(far?.hint == nil)
    }

    @Test func headerAndFileErrors() throws {
        let folder = try DataTestFolder()
        let missing = "\(folder.path)/missing.csv"
        let error = try #require(dataTestError { try CSVReader.read(path: missing, labelColumn: nil) })
        #expect(error.kind == .io)
        #expect(error.location == missing)

        let empty = try folder.write("empty.csv", "\u{FEFF}\n\n")
        let error2 = try #require(dataTestError { try CSVReader.read(path: empty, labelColumn: nil) })
        #expect(error2.location == "\(empty):3:1")
        #expect(error2.message.contains("the file is empty"))

        let duplicate = try folder.write("duplicate.csv", "a,b,a\n1,2,3\n")
        let error3 = try #require(dataTestError { try CSVReader.read(path: duplicate, labelColumn: nil) })
        #expect(error3.location == "\(duplicate):1:5")
        #expect(error3.message == "duplicate column name 'a' (also column 1)")

        let headerOnly = try folder.write("header.csv", "a,b\r\n\r\n")
        let error4 = try #require(dataTestError { try CSVReader.read(path: headerOnly, labelColumn: "b") })
        #expect(error4.location == "\(headerOnly):1:1")
        #expect(error4.message == "no data rows after the header")

        let unterminated = try folder.write("quote.csv", "a,b\n1,x\n2,\"y\n3,z\n")
        let error5 = try #require(dataTestError { try CSVReader.read(path: unterminated, labelColumn: "b") })
        #expect(error5.location == "\(unterminated):3:3")
        #expect(error5.message.contains("unterminated quoted field"))

        let emptyLabel = try folder.write("label.csv", "a,b\n1,x\n2,  \n")
        let error6 = try #require(dataTestError { try CSVReader.read(path: emptyLabel, labelColumn: "b") })
        #expect(error6.location == "\(emptyLabel):3:3")
        #expect(error6.message == "the label in column 'b' is empty")

        let afterQuote = try folder.write("after.csv", "a,b\n\"1\"2,x\n")
        let error7 = try #require(dataTestError { try CSVReader.read(path: afterQuote, labelColumn: "b") })
        #expect(error7.location == "\(afterQuote):2:4")
    }

    @Test func editDistanceAndNearest() {
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("same", "same") == 0)
        #expect(nearest("specis", in: ["sepal", "species"]) == "species")
        #expect(nearest("lr", in: ["lr_decay", "momentum"]) == nil)
        #expect(nearest("SPECIES", in: ["petal", "species"]) == "species")
        #expect(nearest("x", in: []) == nil)
    }
}
