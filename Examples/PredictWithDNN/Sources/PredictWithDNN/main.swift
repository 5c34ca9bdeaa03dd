// Usage: PredictWithDNN CHECKPOINT DATA
// Prints, for every sample of DATA (a CSV of raw rows, an image or folder, an .npy/.npz),
// the predicted class and the class probabilities (or the predicted values, for
// regression), as `dnn predict CHECKPOINT DATA --probabilities` does.
import DNN
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: PredictWithDNN CHECKPOINT DATA\n".utf8))
    exit(2)
}
do {
    let model = try Model(checkpoint: arguments[1])
    let output = try model.predict(file: arguments[2])
    if model.isRegression {
        for row in output.values { print(row.map { "\($0)" }.joined(separator: ",")) }
    } else {
        for (label, probabilities) in zip(output.predictedClasses, output.probabilities) {
            print(([label] + probabilities.map { String(format: "%.6g", $0) }).joined(separator: ","))
        }
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}
