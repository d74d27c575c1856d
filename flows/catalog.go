package flows

import "sort"

// Catalog is the set of markets the bot knows, looked up by id.
type Catalog struct {
	markets []*Market
	byID    map[string]*Market
}

// NewCatalog indexes markets, sorted by platform and id.
func NewCatalog(markets []*Market) *Catalog {
	c := &Catalog{markets: append([]*Market(nil), markets...), byID: map[string]*Market{}}
	sort.SliceStable(c.markets, func(i, j int) bool {
		a, b := c.markets[i], c.markets[j]
		if a.Platform != b.Platform {
			return a.Platform < b.Platform
		}
		return a.ID < b.ID
	})
	for _, m := range c.markets {
		c.byID[m.ID] = m
	}
	return c
}

// Market returns the market with id.
func (c *Catalog) Market(id string) (*Market, bool) {
	m, ok := c.byID[id]
	return m, ok
}

// Markets lists every market, sorted by platform and id.
func (c *Catalog) Markets() []*Market { return c.markets }
