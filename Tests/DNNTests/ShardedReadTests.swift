import Foundation
import Testing
@testable import DNN

/// `data.shard`'s reading: the streamed IDX and mapped CSV readers keep exactly the rows
/// asked for and fail as the whole-file readers do, and every rank's share of a config's
/// data, put together, is the single process's data with the same normalisation.
@Suite struct ShardedReadTests {
    /// A stream read in pieces smaller than its input gives what `Gzip.decompress` gives,
    /// across concatenated gzip members and for a plain file.
    @Test func byteStreamMatchesWholeDecompression() throws {
        let folder = try DataTestFolder()
        var random = RandomGenerator(seed: 5)
        let first = (0..<5_000).map { _ in UInt8(random.next() % 7) }, second = (0..<3_001).map { UInt8($0 % 251) }
        let gz = try folder.write("two.gz", bytes: IDXReaderTests.gzip(first) + IDXReaderTests.gzip(second))
        let plain = try folder.write("plain", bytes: first)
        for (path, expected) in [(gz, first + second), (plain, first)] {
            let stream = try ByteStream(path: path, chunk: 64)
            var read: [UInt8] = [], piece = [UInt8](repeating: 0, count: 333)
            while true {
                let got = try piece.withUnsafeMutableBytes { try stream.read(into: $0) }
                read += piece[0..<got]
                if got < piece.count { break }
            }
            #expect(read == expected, "\(path)")
        }
    }

    /// Every row kept, some rows, or labels only; raw and gzip.
    @Test func streamedIDXKeepsTheSelectedRows() throws {
        let folder = try DataTestFolder()
        let labels = try folder.write("labels", bytes: IDXReaderTests.labels)
        for images in [try folder.write("images", bytes: IDXReaderTests.images),
                       try folder.write("images.gz", bytes: IDXReaderTests.gzip(IDXReaderTests.images))] {
            let whole = try IDXReader.read(images: images, labels: labels)
            var visited: [Int] = []
            var selection = RowSelection(keep: [true, false, true])
            selection.visit = { row, values in
                visited.append(row)
                #expect(Array(values) == Array(whole.features[(row * 6)..<((row + 1) * 6)]))
            }
            let kept = try IDXReader.read(images: images, labels: labels, selection: selection)
            #expect(kept == whole.select([0, 2]))
            #expect(try IDXReader.read(images: images, labels: labels, selection: .all) == whole)
            #expect(visited == [0, 1, 2])
            let onlyLabels = try IDXReader.readLabels(images: images, labels: labels)
            #expect(onlyLabels.labels == whole.labels && onlyLabels.lineNumbers == whole.lineNumbers)
            #expect(onlyLabels.featureCount == 0 && onlyLabels.features.isEmpty && onlyLabels.rows == 3)
        }
    }

    /// A damaged image file fails the streamed read with the whole read's error.
    @Test func streamedIDXFailsAsTheWholeRead() throws {
        let folder = try DataTestFolder()
        let labels = try folder.write("labels", bytes: IDXReaderTests.labels)
        let images = IDXReaderTests.images, compressed = IDXReaderTests.gzip(images)
        let broken: [(String, [UInt8])] = [
            ("truncated", Array(images.dropLast(4))), ("truncated.gz", IDXReaderTests.gzip(Array(images.dropLast(4)))),
            ("trailing", images + [1, 2]), ("trailing.gz", IDXReaderTests.gzip(images + [1, 2])),
            ("garbage.gz", compressed + [0x41, 0x42]), ("short", [0, 0, 8, 3, 0, 0]),
            ("magic", [0, 0, 8, 1] + Array(images.dropFirst(4))),
            // A header that promises 3 images of 65280 x 26222 pixels: truncated, found
            // without first allocating what it promises (libFuzzer's find).
            ("promise", IDXReaderTests.idx(dims: [3, 0xFF00, 0x666E], data: [0x10, 0xC8, 0x6C])),
            ("promise.gz", IDXReaderTests.gzip(IDXReaderTests.idx(dims: [3, 0xFF00, 0x666E], data: [1, 2]))),
        ]
        for (name, bytes) in broken {
            let path = try folder.write(name, bytes: bytes)
            let whole = try #require(dataTestError { try IDXReader.read(images: path, labels: labels) }, "\(name)")
            let streamed = try #require(dataTestError {
                try IDXReader.read(images: path, labels: labels, selection: RowSelection(keep: [true, true, true]))
            }, "\(name)")
            #expect(streamed.description == whole.description, "\(name)")
            let all = try #require(dataTestError { try IDXReader.read(images: path, labels: labels, selection: .all) })
            #expect(all.description == whole.description, "\(name)")
        }
        let cut = try folder.write("cut.gz", bytes: Array(compressed.prefix(compressed.count / 2)))
        let error = try #require(dataTestError {
            try IDXReader.read(images: cut, labels: labels, selection: RowSelection(keep: [true, true, true]))
        })
        #expect(error.message.hasPrefix("truncated gzip stream") && error.location?.hasPrefix("\(cut): byte ") == true)
    }

    /// The mapped CSV read keeps the selected rows, and still checks the rows it drops.
    @Test func mappedCSVKeepsTheSelectedRowsAndChecksTheOthers() throws {
        let folder = try DataTestFolder()
        let text = "a,b,label\n1,2,x\n\n3,4,y\n5,6,x\n"
        let path = try folder.write("data.csv", text)
        let whole = try CSVReader.read(path: path, labelColumn: "label")
        let kept = try CSVReader.read(path: path, labelColumn: "label", selection: RowSelection(keep: [false, true, true]))
        #expect(kept == whole.select([1, 2]))
        let labels = try CSVReader.read(path: path, labelColumn: "label", selection: .labels)
        #expect(labels.labels == ["x", "y", "x"] && labels.lineNumbers == [2, 4, 5] && labels.featureCount == 0)
        // gzip: inflated into a temporary file, which is mapped and gone from the folder.
        let gzipped = try folder.write("data.csv.gz", bytes: IDXReaderTests.gzip(Array(text.utf8)))
        let temporaries = { try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix("dnn-inflated-") }.count }
        let before = try temporaries()
        let inflated = try CSVReader.read(path: gzipped, labelColumn: "label", selection: RowSelection(keep: [false, true, true]))
        #expect(inflated.features == kept.features && inflated.labels == kept.labels && inflated.lineNumbers == kept.lineNumbers)
        #expect(try temporaries() <= before)

        let bad = try folder.write("bad.csv", "a,b,label\n1,2,x\n3,oops,y\n")
        let wholeError = try #require(dataTestError { try CSVReader.read(path: bad, labelColumn: "label") })
        let keptError = try #require(dataTestError {
            try CSVReader.read(path: bad, labelColumn: "label", selection: RowSelection(keep: [true, false]))
        })
        #expect(keptError.description == wholeError.description)
        let longer = try #require(dataTestError {
            try CSVReader.read(path: path, labelColumn: "label", selection: RowSelection(keep: [true, true]))
        })
        #expect(longer.message.contains("changed while it was being read"))
    }

    /// Each rank's share of `config`'s data, rank by rank.
    static func shares(_ config: Config, ranks: Int) throws -> [RawData] {
        try (0..<ranks).map { try RawData.loadShard(config, rank: $0, ranks: ranks) }
    }

    /// The ranks' rows of `part`, put together in rank order.
    static func joined(_ tables: [LabelledTable]) -> (features: [Float], labels: [String], lines: [Int]) {
        (tables.flatMap(\.features), tables.flatMap { $0.labels ?? [] }, tables.flatMap(\.lineNumbers))
    }

    /// iris with a shuffled, stratified split and standardisation, over 2 and 3 ranks: the
    /// shares make up the single process's training and validation rows, and the
    /// statistics are the single process's.
    @Test(arguments: [2, 3]) func sharesMakeUpTheWholeData(ranks: Int) throws {
        let path = TestPaths.packageRoot + "/configs/iris.json"
        let config = try Config.load(path: path, overrides: ["data.shard=true"]).config
        let whole = try RawData.load(config)
        let shares = try Self.shares(config, ranks: ranks)
        for part in [\RawData.train, \RawData.validation!] {
            let joined = Self.joined(shares.map { $0[keyPath: part] })
            #expect(joined.features == whole[keyPath: part].features)
            #expect(joined.labels == whole[keyPath: part].labels)
            #expect(joined.lines == whole[keyPath: part].lineNumbers)
        }
        #expect(shares.map(\.train.rows) == (0..<ranks).map { contiguousShare(of: 0..<whole.train.rows, rank: $0, ranks: ranks).count })
        let fitted = Normalization.fit(kind: NormalizeKind.standardize, features: whole.train.features, featureCount: whole.train.featureCount)
        guard case let .standardize(mean, std) = fitted else { Issue.record("not fitted"); return }
        for share in shares {
            guard case let .standardize(shardMean, shardStd)? = share.shard?.normalization else {
                Issue.record("no shard statistics"); return
            }
            #expect(shardMean == mean)
            for (a, b) in zip(shardStd, std) { #expect(abs(a - b) <= 1e-6 * b, "\(a) against \(b)") }
            #expect(share.shard?.trainLabels.labels == whole.train.labels)
            #expect(share.warnings == whole.warnings)
        }
    }

    /// Two regression targets, the second a moved feature column: the target statistics
    /// and features are the single process's.
    @Test func regressionTargetsAreFittedOnEveryRow() throws {
        let path = TestPaths.packageRoot + "/configs/regression.json"
        let config = try Config.load(path: path, overrides: ["data.shard=true", #"data.normalize_target="standardize""#]).config
        let whole = try RawData.load(config).prepare(config, outputCount: 2, configPath: "model")
        for (rank, share) in try Self.shares(config, ranks: 2).enumerated() {
            let prepared = try share.prepare(config, outputCount: 2, configPath: "model")
            let rows = contiguousShare(of: 0..<whole.train.count, rank: rank, ranks: 2)
            #expect(prepared.train.targets == whole.train.rows(rows).targets)
            #expect(prepared.train.features == whole.train.rows(rows).features)
            #expect(prepared.targetNormalization == whole.targetNormalization)
        }
    }

    /// MNIST's test images with a file-order split: the shares are the single process's rows.
    @Test(.enabled(if: TestPaths.hasMNIST, "needs ../shared/data/mnist beside the package"))
    func mnistSharesMakeUpTheWholeData() throws {
        let config = try Config.load(path: TestPaths.packageRoot + "/configs/mnist_mlp.json",
                                     overrides: ["data.shard=true", #"data.normalize="standardize""#,
                                                 "data.train.images=\(TestPaths.mnistImages)",
                                                 "data.train.labels=\(TestPaths.mnistLabels)"]).config
        let whole = try RawData.load(config)
        let shares = try Self.shares(config, ranks: 2)
        #expect(Self.joined(shares.map(\.train)).features == whole.train.features)
        #expect(Self.joined(shares.map { $0.validation! }).labels == whole.validation?.labels)
        #expect(shares[0].train.features.count == whole.train.features.count / 2)
        let fitted = Normalization.fit(kind: NormalizeKind.standardize, features: whole.train.features, featureCount: 784)
        guard case let .standardize(mean, std) = fitted,
              case let .standardize(shardMean, shardStd)? = shares[1].shard?.normalization else {
            Issue.record("not standardised"); return
        }
        #expect(shardMean == mean)
        for (a, b) in zip(shardStd, std) { #expect(abs(a - b) <= 1e-6 * b, "\(a) against \(b)") }
    }

    /// The penguins table (categories, missing cells, indicators, standardised) over 2
    /// ranks: each rank fits the single process's encoding from every training row, its
    /// rows are the single process's encoded rows, and the standardisation of the encoded
    /// features is the single process's.
    @Test func encodedCSVSharesFitOnEveryRow() throws {
        let config = try Config.load(path: TestPaths.packageRoot + "/configs/penguins.json",
                                     overrides: ["data.shard=true"]).config
        let whole = try RawData.load(config)
        let shares = try Self.shares(config, ranks: 2)
        #expect(whole.encoding?.featureNames.contains("missing:sex") == true)
        for part in [\RawData.train, \RawData.validation!] {
            let joined = Self.joined(shares.map { $0[keyPath: part] })
            #expect(joined.features == whole[keyPath: part].features)
            #expect(joined.labels == whole[keyPath: part].labels)
        }
        let fitted = Normalization.fit(kind: NormalizeKind.standardize, features: whole.train.features, featureCount: whole.train.featureCount)
        guard case let .standardize(mean, std) = fitted else { Issue.record("not fitted"); return }
        for share in shares {
            #expect(share.encoding == whole.encoding)
            #expect(share.train.featureNames == whole.train.featureNames)
            guard case let .standardize(shardMean, shardStd)? = share.shard?.normalization else {
                Issue.record("no shard statistics"); return
            }
            #expect(shardMean == mean)
            for (a, b) in zip(shardStd, std) { #expect(abs(a - b) <= 1e-6 * b, "\(a) against \(b)") }
        }
    }
}
