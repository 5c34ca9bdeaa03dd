/// The encoding as the JSON stored in checkpoint metadata (`encoding`) and in ONNX
/// `metadata_props` (`dnn_encoding`):
/// `{"features": [encoded names], "missing_values": ["", "NA", ...], "columns": [{"name":
/// "island", "categories": ["Biscoe", "Dream", null], "indicator": false}, {"name":
/// "bill_length_mm", "fill": 43.92, "indicator": true}, ...]}` (a null category is the
/// category of missing cells).
extension TableEncoding {
    public var json: JSON {
        let columns = columns.map { column -> JSON in
            var members: [(key: String, value: JSON)] = [("name", .string(column.name))]
            if let categories = column.categories {
                members.append(("categories", .array(categories.map { $0.map(JSON.string) ?? .null })))
            } else {
                members.append(("fill", .number(Double(column.fill))))
            }
            members.append(("indicator", .bool(column.indicator)))
            return .object(members)
        }
        return .object([("features", .array(featureNames.map { .string($0) })),
                        ("missing_values", .array(missingValues.map { .string($0) })),
                        ("columns", .array(columns))])
    }

    /// Reads `json`'s format back.
    /// - Throws: `DNNError(.checkpoint, at: location, ...)` naming what is malformed.
    public init(json: JSON, location: String) throws {
        func fail(_ message: String) -> DNNError { DNNError(.checkpoint, at: location, message) }
        guard let items = json["columns"]?.array, let missing = json["missing_values"]?.array else {
            throw fail("has no \"columns\" and \"missing_values\" lists")
        }
        let missingValues = try missing.map { item -> String in
            guard let text = item.stringValue else { throw fail("\"missing_values\" holds a non-string") }
            return text
        }
        let columns = try items.enumerated().map { index, item -> Column in
            guard let name = item["name"]?.stringValue, let indicator = item["indicator"]?.bool else {
                throw fail("columns[\(index)] needs a \"name\" string and an \"indicator\" boolean")
            }
            if let list = item["categories"]?.array {
                let categories = try list.map { entry -> String? in
                    if entry.isNull { return nil }
                    guard let text = entry.stringValue else { throw fail("columns[\(index)].categories holds a non-string") }
                    return text
                }
                return Column(name: name, categories: categories, fill: 0, indicator: indicator)
            }
            guard let fill = item["fill"]?.double, fill.isFinite else {
                throw fail("columns[\(index)] needs \"categories\" or a finite \"fill\"")
            }
            return Column(name: name, categories: nil, fill: Float(fill), indicator: indicator)
        }
        self.init(columns: columns, missingValues: missingValues)
    }
}
