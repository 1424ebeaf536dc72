// Package textdist measures how far apart two short names are, for the
// "did you mean" hints of the command line and the snapshot loader.
package textdist

// Distance is the Levenshtein distance between a and b with a swap of two
// neighbouring characters counted as one edit (optimal string alignment).
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// AtMost is Distance, or limit when the distance is at least limit; names
// whose lengths alone differ by limit or more, or longer than 64
// characters, are not compared in full.
func AtMost(a, b string, limit int) int {
	la, lb := len([]rune(a)), len([]rune(b))
	if d := la - lb; d >= limit || -d >= limit || la > 64 || lb > 64 {
		return limit
	}
	return min(Distance(a, b), limit)
}
