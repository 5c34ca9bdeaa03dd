@testable import DNN

/// The CSV encoder (`features`, `categorical`, `missing`, `separator`, `header`) on the
/// bytes as a file's contents. The first byte picks the options: bit 0 `header: false`,
/// bit 1 a ";" separator, bits 2-3 the strategy, bit 4 `indicator`, bit 5 every other
/// column categorical (else only columns named `c...`). The rest is the file, read with
/// the label `label` (optional) or column "0" without a header.
///
/// Checks beyond "no crash, every error located": the encoded table has the size the
/// encoding promises and only finite values; the encoding survives its JSON round trip;
/// the mapped read (`data.shard`'s) gives the same raw table; fitting from rows one at a
/// time (`EncodingStatistics`, as a shard streams them) gives the same encoding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVEncoding(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { fuzz(data, size, checkCSVEncoding) }

func checkCSVEncoding(_ bytes: [UInt8]) {
    guard let selector = bytes.first else { return }
    let file = Array(bytes.dropFirst())
    var options = CSVOptions()
    options.header = selector & 1 == 0
    options.separator = selector & 2 == 0 ? UInt8(ascii: ",") : UInt8(ascii: ";")
    var missing = MissingValues()
    missing.strategy = ImputeStrategy.allCases[Int(selector >> 2) & 3]
    missing.indicator = selector & 16 != 0
    options.missing = missing
    let label = options.header ? "label" : "0"
    // The columns, as a plain read of the header sees them; then which are categorical.
    var plain = CSVOptions()
    plain.header = options.header
    plain.separator = options.separator
    guard let names = try? CSVReader.decode(file, file: "fuzz.csv", CSVRequest(labels: [], labelRequired: false,
                                                                                 options: plain)).featureNames
    else { return }
    options.categorical = names.enumerated().filter { index, name in
        name != label && (selector & 32 != 0 ? index % 2 == 0 : name.hasPrefix("c"))
    }.map(\.element)
    expectSuccessOrLocatedError {
        let request = CSVRequest(labels: [label], labelRequired: false, options: options)
        let table = try CSVReader.decode(file, file: "fuzz.csv", request)
        try checkEncoding(table, missing: missing)
        checkMappedEncodedCSV(file, request: request, whole: table)
    }
}

/// The encoding of `table` fitted whole and row by row, applied, and read back from JSON.
func checkEncoding(_ table: LabelledTable, missing: MissingValues) throws {
    guard table.features.count == table.rows * table.featureCount else { fatalError("raw features do not fill the table") }
    let encoding = TableEncoding.fit(table, missing: missing)
    let statistics = EncodingStatistics(columns: table.rawColumns ?? [], missing: missing)
    table.features.withUnsafeBufferPointer { values in
        for row in 0..<table.rows {
            statistics.add(UnsafeBufferPointer(rebasing: values[(row * table.featureCount)..<((row + 1) * table.featureCount)]))
        }
    }
    if statistics.encoding() != encoding { fatalError("row-by-row statistics differ from the whole-table fit") }
    let (encoded, _) = try encoding.apply(to: table, file: "fuzz.csv", what: "data.train")
    if encoded.features.count != table.rows * encoding.encodedCount || encoded.featureNames.count != encoding.encodedCount {
        fatalError("the encoded table does not have the promised size")
    }
    if encoded.features.contains(where: { !$0.isFinite }) { fatalError("a non-finite encoded value") }
    let json = try JSON.parse(encoding.json.serialized(pretty: false), file: "encoding")
    if try TableEncoding(json: json, location: "encoding") != encoding { fatalError("the JSON round trip changed the encoding") }
}

/// The mapped read of every row gives the whole read's raw table.
func checkMappedEncodedCSV(_ bytes: [UInt8], request: CSVRequest, whole: LabelledTable) {
    let path = scratchFile("encoded.csv", bytes)
    var mapped = request
    mapped.selection = RowSelection(keep: [Bool](repeating: true, count: whole.rows))
    let read = try? CSVReader.read(path: path, mapped)
    guard let read else { return }
    if read.rawColumns != whole.rawColumns || read.labels != whole.labels || read.lineNumbers != whole.lineNumbers
        || !zip(read.features, whole.features).allSatisfy({ $0.bitPattern == $1.bitPattern }) {
        fatalError("the mapped read differs from the whole read")
    }
}
