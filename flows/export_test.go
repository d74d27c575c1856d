package flows

// QueryTerms exposes the query's terms and their weights to the tests.
func QueryTerms(query string) map[string]float64 {
	out := map[string]float64{}
	for _, t := range queryTerms(query) {
		out[t.term] = t.weight
	}
	return out
}
