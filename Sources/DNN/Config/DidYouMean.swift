/// The Levenshtein distance between two strings, counted in characters: how many
/// insertions, deletions and substitutions turn `a` into `b`.
///
/// Used for "did you mean" hints on misspelt column names and config keys.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    // One row of the dynamic-programming table at a time: previous[j] is the distance
    // between the first i-1 characters of a and the first j characters of b.
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The candidate closest to `word` by edit distance, ignoring letter case, if it is close
/// enough to be a plausible misspelling: at most `max(2, word.count / 3)` edits away.
///
/// Ties go to the earliest candidate, so callers list the common ones first. Used for
/// every "did you mean" in `dnn`: config keys, layer types, CSV columns, options.
public func nearest(_ word: String, in candidates: [String]) -> String? {
    let folded = word.lowercased()
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(folded, candidate.lowercased())
        if distance < (best?.distance ?? Int.max) {
            best = (candidate, distance)
        }
    }
    guard let best, best.distance <= max(2, word.count / 3) else { return nil }
    return best.candidate
}

/// "did you mean 'momentum'?" when a candidate is near `word`, else nil.
func didYouMeanHint(_ word: String, in candidates: [String]) -> String? {
    nearest(word, in: candidates).map { "did you mean '\($0)'?" }
}
