import Foundation

/// An image index: a small CSV with a header, a `path` column (relative to the CSV's
/// folder, or absolute) and the label column(s); fields may be double-quoted (RFC 4180).
extension ImageListing {
    mutating func readIndex(_ file: String, labelColumns: [String]) throws {
        let records = try Self.records(String(decoding: try FileBytes.read(file), as: UTF8.self), file: file)
        guard let (headerLine, header) = records.first else { throw DNNError.data(file, "is empty (expected a header row)") }
        func column(_ name: String) throws -> Int {
            guard let index = header.firstIndex(of: name) else {
                throw DNNError.data(file, line: headerLine, "has no column '\(name)' (columns: \(header.joined(separator: ", ")))",
                                    hint: nearest(name, in: header).map { "did you mean '\($0)'?" })
            }
            return index
        }
        let pathColumn = try column("path")
        let labelIndices = try labelColumns.map(column)
        extraTargetNames = Array(labelColumns.dropFirst())
        let folder = file.lastIndex(of: "/").map { String(file[..<$0]) } ?? "."
        for (line, fields) in records.dropFirst() {
            guard fields.count == header.count else {
                throw DNNError.data(file, line: line, "has \(fields.count) fields, the header has \(header.count)")
            }
            let path = fields[pathColumn]
            guard !path.isEmpty else { throw DNNError.data(file, line: line, "the path is empty") }
            guard Self.isImage(path) else {
                otherFiles += 1
                continue
            }
            files.append(path.hasPrefix("/") ? path : folder + "/" + path)
            lines.append(line)
            labels.append(labelIndices.first.map { fields[$0] } ?? "")
            for (name, index) in zip(extraTargetNames, labelIndices.dropFirst()) {
                guard let value = Float(fields[index]), value.isFinite else {
                    throw DNNError.data(file, line: line, "target column '\(name)' holds '\(fields[index])', not a number")
                }
                extraTargets.append(value)
            }
        }
        guard !files.isEmpty else { throw DNNError.data(file, "lists no .png, .jpg or .jpeg files") }
    }

    /// The non-empty records of a CSV text with their 1-based first lines; fields trimmed
    /// of spaces and unquoted.
    static func records(_ text: String, file: String) throws -> [(line: Int, fields: [String])] {
        var records: [(Int, [String])] = []
        var fields: [String] = [], field = "", quoted = false, wasQuoted = false
        var line = 1, recordLine = 1
        var characters = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func finishField() {
            fields.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces))
            field = ""
            wasQuoted = false
        }
        while let c = pending ?? characters.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.unicodeScalars.append("\"") } else {
                        quoted = false
                        pending = next
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.trimmingCharacters(in: .whitespaces).isEmpty:
                quoted = true
                wasQuoted = true
                field = ""
            case ",":
                finishField()
            case "\n":
                finishField()
                if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
                fields = []
                line += 1
                recordLine = line
            case "\r":
                continue
            default:
                field.unicodeScalars.append(c)
            }
        }
        guard !quoted else { throw DNNError.data(file, line: recordLine, "a quoted field is not closed") }
        finishField()
        if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
        return records
    }
}
