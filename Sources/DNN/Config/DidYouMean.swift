/// The candidate nearest to a misspelled `word` (Levenshtein distance, ignoring case),
/// if it is close enough to be the likely intent: at most max(2, word.count / 3) edits.
/// Among equally near candidates the first wins, so callers list the common ones first.
///
/// The config decoder uses it for "did you mean 'momentum'?" on unknown keys, layer
/// types and enumerated values.
func closestKey(to word: String, in candidates: [String]) -> String? {
    let source = Array(word.lowercased())
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = levenshteinDistance(source, Array(candidate.lowercased()))
        if distance < (best?.distance ?? Int.max) {
            best = (candidate, distance)
        }
    }
    guard let best, best.distance <= max(2, source.count / 3) else { return nil }
    return best.candidate
}

/// Insertions, deletions and substitutions needed to turn `a` into `b` (two-row DP).
private func levenshteinDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
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

/// "did you mean 'momentum'?" when a candidate is near `word`, else nil.
func didYouMeanHint(_ word: String, in candidates: [String]) -> String? {
    closestKey(to: word, in: candidates).map { "did you mean '\($0)'?" }
}
