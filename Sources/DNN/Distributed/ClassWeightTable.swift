/// The class weights a batch's loss divides by, looked up per label as the loss does.
struct ClassWeightTable {
    let weights: [Float]
    let labels: [Int32]
    let labelsPerRow: Int

    /// The weights of every label of `rows` (each position's, for sequences) as the loss
    /// sums them: each rounded to Float, added in Double, in batch order.
    func sum(of rows: ArraySlice<Int>) -> Double {
        var total = 0.0
        for row in rows {
            for label in labels[row * labelsPerRow..<(row + 1) * labelsPerRow] { total += Double(weights[Int(label)]) }
        }
        return total
    }
}
