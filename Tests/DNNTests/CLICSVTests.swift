import Foundation
import Testing
@testable import DNN

/// A mixed-type CSV through the built binary: configs/penguins.json (data/penguins.csv:
/// text columns, `NA` cells) trains, `dnn inspect` lists the encoded features, `dnn eval
/// --data` and `dnn predict` read raw rows (an unseen category, missing cells, another
/// column order, no label column) with the checkpoint's encoding, and the errors that
/// need a key name it and exit 2.
@Suite(.serialized) struct CLICSVTests {
    static let config = TestPaths.packageRoot + "/configs/penguins.json"
    static let data = TestPaths.packageRoot + "/data/penguins.csv"

    /// configs/penguins.json trained for 2 epochs, once for the suite: its run directory.
    static let run: String = {
        let directory = TestPaths.temporaryDirectory() + "/run"
        _ = try? CLI.run(["train", config, "--out", directory, "--quiet", "--epochs", "2", "--threads", "2"])
        return directory
    }()

    @Test func trainsAndInspectListsTheEncodedFeatures() throws {
        let rows = try CLITrainTests.metrics(Self.run)
        #expect(rows.count == 2)
        let accuracy = try #require(rows.last?["val_accuracy"]?.double)
        #expect(accuracy > 0.9, "val_accuracy \(accuracy) after 2 epochs")
        let inspect = try CLI.run(["inspect", Self.run + "/best.safetensors"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("encoded features (15): island=Biscoe, island=Dream, island=Torgersen, bill_length_mm, "
            + "bill_depth_mm, flipper_length_mm, body_mass_g, sex=female, sex=male, sex=<missing>, missing:bill_length_mm, "
            + "missing:bill_depth_mm, missing:flipper_length_mm, missing:body_mass_g, missing:sex"), "\(inspect.stdout)")
        let checkpoint = try Checkpoint.read(path: Self.run + "/best.safetensors")
        #expect(checkpoint.inputShape == [15])
        #expect(checkpoint.encoding?.columns.first { $0.name == "island" }?.categories == ["Biscoe", "Dream", "Torgersen"])
        // median of the training rows' bill lengths: a value of the column (or a mean of two).
        #expect(checkpoint.encoding?.columns.first { $0.name == "bill_length_mm" }?.fill ?? 0 > 40)
    }

    /// The whole file through `dnn eval --data`: every row read and encoded, the
    /// accuracy that of the model on its own training data.
    @Test func evalReadsTheRawFile() throws {
        let result = try CLI.run(["eval", Self.run + "/best.safetensors", "--data", Self.data, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let eval = try JSON.parse(result.stdout, file: "stdout")
        #expect(eval["samples"]?.int == 344)
        #expect((eval["accuracy"]?.double ?? 0) > 0.9)
        // A row without a label is skipped, and said so once.
        let folder = try DataTestFolder()
        let unlabelled = try folder.write("unlabelled.csv", """
            species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year
            Adelie,Torgersen,39.1,18.7,181,3750,male,2007
            NA,Biscoe,47.5,14.5,217,5200,female,2009
            """)
        let skipped = try CLI.run(["eval", Self.run + "/best.safetensors", "--data", unlabelled, "--json"])
        #expect(skipped.status == 0, "\(skipped.stderr)")
        #expect(try JSON.parse(skipped.stdout, file: "stdout")["samples"]?.int == 1)
        #expect(skipped.stderr == "dnn: warning: \(unlabelled): 1 row with a missing label skipped (the first at line 3)\n",
                "\(skipped.stderr)")
    }

    /// Raw rows in another column order, with an extra column, an island never seen in
    /// training, missing cells and no label column: predicted, and the unseen value
    /// counted in one warning line; the same rows with labels predict the same.
    @Test func predictEncodesRawRows() throws {
        let folder = try DataTestFolder()
        let raw = try folder.write("raw.csv", """
            sex,body_mass_g,flipper_length_mm,bill_depth_mm,bill_length_mm,island,comment
            male,3750,181,18.7,39.1,Atlantis,unseen island
            NA,NA,NA,NA,NA,Biscoe,everything missing
            female,5200,217,14.5,47.5,Biscoe,a Gentoo
            """)
        let result = try CLI.run(["predict", Self.run + "/best.safetensors", raw, "--probabilities"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4 && lines[0] == "index,predicted,p_Adelie,p_Chinstrap,p_Gentoo", "\(result.stdout)")
        #expect(lines[3].hasPrefix("2,Gentoo,"), "\(result.stdout)")
        for line in lines.dropFirst() {
            let sum = line.split(separator: ",").suffix(3).compactMap { Double($0) }.reduce(0, +)
            #expect(abs(sum - 1) < 1e-4, "\(line)")
        }
        let warnings = result.stderr.split(separator: "\n").filter { $0.contains("never seen in training") }
        #expect(warnings == ["dnn: warning: \(raw): 1 categorical value never seen in training encoded as all zeros (island: 1)"],
                "\(result.stderr)")
        let labelled = try folder.write("labelled.csv", """
            species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year
            Adelie,Atlantis,39.1,18.7,181,3750,male,2007
            Gentoo,Biscoe,NA,NA,NA,NA,NA,2008
            Gentoo,Biscoe,47.5,14.5,217,5200,female,2009
            """)
        let withLabels = try CLI.run(["predict", Self.run + "/best.safetensors", labelled, "--probabilities"])
        #expect(withLabels.status == 0, "\(withLabels.stderr)")
        let labelledLines = withLabels.stdout.split(separator: "\n")
        #expect(labelledLines.first == "index,predicted,label,p_Adelie,p_Chinstrap,p_Gentoo")
        for (a, b) in zip(lines.dropFirst(), labelledLines.dropFirst()) {
            #expect(a.split(separator: ",").suffix(3) == b.split(separator: ",").suffix(3), "\(a) / \(b)")
        }
    }

    /// The exported model keeps the encoded vector as its input, and its `metadata_props`
    /// carry the encoding as the checkpoint stores it.
    @Test func exportCarriesTheEncoding() throws {
        let output = TestPaths.temporaryDirectory() + "/penguins.onnx"
        let result = try CLI.run(["export", Self.run + "/best.safetensors", "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let model = try DecodedONNXModel(Array(try Data(contentsOf: URL(fileURLWithPath: output))))
        #expect(model.inputs.first?.dims == [.symbol("batch"), .size(15)])
        let encoding = try JSON.parse(try #require(model.metadata["dnn_encoding"]), file: "dnn_encoding")
        let checkpoint = try Checkpoint.read(path: Self.run + "/best.safetensors")
        #expect(try TableEncoding(json: encoding, location: "dnn_encoding") == checkpoint.encoding)
        #expect(encoding["features"]?.array?.count == 15)
    }

    /// A config that lacks `categorical` or `missing`, or misspells a key or column, is exit
    /// 2 with a message that names the key.
    @Test func errorsNameTheKeyAndExitTwo() throws {
        let folder = try DataTestFolder()
        let cases: [(overrides: [String], expected: String)] = [
            (["data.train.categorical=[\"sex\"]"], "\"categorical\""),
            (["data.train.missing=null"], "\"missing\""),
            (["data.train.missing={\"strategy\": \"medain\"}"], "data.train.missing.strategy"),
            (["data.train.categorical=[\"island\", \"sx\"]"], "did you mean 'sex'"),
            (["data.train.features=[\"island\", \"bill_lenght_mm\", \"sex\"]"], "did you mean 'bill_length_mm'"),
            (["data.train.separator=\";\"", "data.train.features=null", "data.train.categorical=[]"], "set \"separator\": \",\""),
        ]
        for (overrides, expected) in cases {
            let result = try CLI.run(["train", Self.config, "--out", folder.path + "/run", "--quiet", "--epochs", "1"]
                + overrides.flatMap { ["--set", $0] })
            #expect(result.status == 2, "\(overrides): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(overrides): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/run/last.safetensors"))
    }
}
