/// The Levenshtein distance between two strings, counted in characters: how many
/// insertions, deletions and substitutions turn `a` into `b`.
///
/// Used for "did you mean" hints on misspelt column names and config keys.
func editDistance(_ a: String, _ b: String) -> Int {
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

/// The candidate closest to `word` by edit distance, if it is close enough to be a
/// plausible misspelling: at most `max(2, word.count / 3)` edits away.
///
/// Ties go to the earliest candidate, so the order of `candidates` (e.g. the header's
/// column order) decides. When no candidate is close enough, one that differs from
/// `word` only in letter case is still returned ("SPECIES" suggests "species").
func nearest(_ word: String, in candidates: [String]) -> String? {
    let limit = max(2, word.count / 3)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(word, candidate)
        if distance <= limit, distance < (best?.distance ?? Int.max) {
            best = (candidate, distance)
        }
    }
    if best == nil {
        // "SPECIES" is 7 edits from "species" but obviously meant it.
        let folded = word.lowercased()
        best = candidates.first { $0.lowercased() == folded }.map { ($0, 0) }
    }
    return best?.candidate
}
