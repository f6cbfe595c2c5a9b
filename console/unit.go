package console

import "net/http"

// unitChoice is which unit a summary page shows (?unit=), and the units the officer may pick.
type unitChoice struct {
	Unit    string   // "" = everyone
	Choices []string // the officer's units when scoped to several; else none
	Scoped  bool     // the officer covers only some units (no all-units export)
}

// unitParam reads ?unit=. An officer scoped to units sees their first unit by default (everyone's
// figures span units beyond theirs); whether they may see the unit asked for is the service's
// decision (Staff.Summary refuses another unit's).
func unitParam(r *http.Request) unitChoice {
	c := unitChoice{Unit: r.URL.Query().Get("unit")}
	if v := viewerOf(r.Context()); v != nil && v.User.Scoped() {
		c.Scoped = true
		if c.Unit == "" {
			c.Unit = v.User.Scope[0]
		}
		if len(v.User.Scope) > 1 {
			c.Choices = v.User.Scope
		}
	}
	return c
}
