import Foundation
import Testing
@testable import DNN

/// The ZIP reader under NPZ files: `np.savez` (stored), `np.savez_compressed` (deflated)
/// and an archive whose every size and offset goes through ZIP64 records, against NumPy's
/// values; damaged archives (bad CRC, truncation, a decompression bomb) refused naming the
/// archive and the member. Fixtures: tools/make_npy_fixtures.py.
@Suite struct NPZReaderTests {
    static let folder = NumPyReaderTests.folder

    @Test(arguments: ["stored.npz", "deflated.npz", "zip64.npz"])
    func membersEqualNumPys(archiveName: String) throws {
        let archive = try ZipArchive.open(path: Self.folder + "/" + archiveName)
        #expect(Set(archive.arrayNames).isSuperset(of: ["x_train", "y_train"]))
        for name in ["x_train", "y_train"] {
            let array = try archive.array(name)
            let key = "\(archiveName):\(name)"
            #expect(array.shape == NumPyReaderTests.expected[key]?["shape"]?.array?.compactMap(\.int))
            #expect(try array.floats() == NumPyReaderTests.expectedFloats(key))
        }
    }

    @Test func zip64RecordsAreFollowed() throws {
        let archive = try ZipArchive.open(path: Self.folder + "/zip64.npz")
        #expect(archive.members.map(\.method) == [8, 8])
        #expect(archive.members[1].localHeaderOffset > 0)
    }

    @Test func sourceReadsClassNamesFromTheArchive() throws {
        let table = try NumPySource.readNPZ(path: Self.folder + "/stored.npz", x: "x_train", y: "y_train")
        #expect(table.labels == ["a", "c", "b", "c"])
        #expect(table.sampleShape == [3] && table.rows == 4)
        #expect(table.features == (0..<12).map { Float($0) / 4 })
        let plain = try NumPySource.readNPZ(path: Self.folder + "/deflated.npz", x: "x_train", y: "y_train")
        #expect(plain.labels == ["0", "2", "1", "2"])
    }

    @Test func aMissingMemberListsTheOthers() throws {
        let path = Self.folder + "/stored.npz"
        let error = expectError(.data) { try NumPySource.readNPZ(path: path, x: "x_trian", y: "y_train") }
        #expect(error?.location == path)
        #expect(error?.message.contains("has no array 'x_trian'") == true)
        #expect(error?.hint == "did you mean 'x_train'?")
    }

    static let damaged: [(file: String, location: String, message: String)] = [
        ("bad_crc.npz", "member 'x_train.npy'", "CRC-32 mismatch"),
        ("bad_truncated.npz", "", "is not a ZIP archive"),
        ("bad_truncated_deflate.npz", "", "is not a ZIP archive"),
        ("bad_bomb.npz", "member 'x.npy'", "inflates past its stated size of 1,000 bytes"),
        ("bad_claims_huge.npz", "member 'x.npy'", "more than deflate can produce"),
        ("bad_method.npz", "member 'x.npy'", "compression method 14"),
    ]

    @Test(arguments: damaged.map(\.file))
    func damagedArchivesAreDataErrorsNamingTheMember(file: String) throws {
        let path = Self.folder + "/" + file
        let (_, location, message) = Self.damaged.first { $0.file == file }!
        let error = expectError(.data) { _ = try NumPySource.readNPZ(path: path, x: file == "bad_crc.npz" ? "x_train" : "x", y: nil) }
        #expect(error?.location?.hasPrefix("\(path)\(location.isEmpty ? "" : ": " + location)") == true, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    /// Any damage to a deflated archive is a located `.data` error: each byte flipped in turn.
    @Test func everyFlippedByteFailsCleanlyOrReadsTheSame() throws {
        let bytes = try FileBytes.read(Self.folder + "/deflated.npz")
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x5A
            let region = ByteRegion(count: damaged.count) { $0.copyBytes(from: damaged) }
            do {
                let archive = try ZipArchive(region: region, path: "flipped")
                _ = try archive.array("x_train").floats()
                _ = try archive.array("y_train").floats()
            } catch let error as DNNError {
                #expect(error.kind == .data && error.location?.hasPrefix("flipped") == true, "\(error)")
            }
        }
    }
}

/// CIFAR-10 and CIFAR-100 binary batches in their exact layout, written small by
/// tools/make_npy_fixtures.py: pixel p of record r is (r * 7 + p) % 256.
@Suite struct CIFARReaderTests {
    static let folder = NumPyReaderTests.folder

    static func pixels(record: Int) -> [Float] { (0..<3072).map { Float((record * 7 + $0) % 256) } }

    @Test func cifar10RecordsAcrossFilesWithNames() throws {
        let table = try CIFARReader.readCIFAR10(files: [Self.folder + "/cifar10/data_batch_1.bin",
                                                        Self.folder + "/cifar10/data_batch_2.bin"])
        #expect(table.rows == 5 && table.sampleShape == [3, 32, 32])
        #expect(table.labels == ["airplane", "automobile", "bird", "truck", "cat"])
        #expect(table.features == (0..<5).flatMap(Self.pixels))
    }

    @Test func cifar100FineAndCoarse() throws {
        let file = Self.folder + "/cifar100/train.bin"
        #expect(try CIFARReader.readCIFAR100(files: [file], label: .fine).labels == ["30", "99", "4"])
        let coarse = try CIFARReader.readCIFAR100(files: [file], label: .coarse)
        #expect(coarse.labels == ["4", "19", "0"])
        #expect(coarse.features == (0..<3).flatMap(Self.pixels))
    }

    @Test func damagedFilesNameTheByte() throws {
        let truncated = Self.folder + "/cifar100/truncated.bin"
        let error = expectError(.data) { try CIFARReader.readCIFAR100(files: [truncated], label: .fine) }
        #expect(error?.location == "\(truncated): byte 6148")
        let bad = Self.folder + "/cifar10/bad_label.bin"
        let label = expectError(.data) { try CIFARReader.readCIFAR10(files: [bad]) }
        #expect(label?.location == "\(bad): byte 0")
        #expect(label?.message.contains("label 12") == true)
    }
}
