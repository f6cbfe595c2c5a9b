package handlers

import "testing"

func TestPageBoundsAndCount(t *testing.T) {
	for _, tc := range []struct{ n, total, from, to, pages int }{
		{0, 0, 0, 0, 1}, {0, 7, 0, 7, 1}, {0, 10, 0, 10, 1}, {0, 11, 0, 10, 2}, {1, 11, 10, 11, 2},
		{2, 25, 20, 25, 3}, {5, 25, 25, 25, 3}, // past the end: empty, showPage then shows the last page
	} {
		from, to := pageBounds(tc.n, tc.total)
		if from != tc.from || to != tc.to || pageCount(tc.total) != tc.pages {
			t.Errorf("page %d of %d: [%d,%d) of %d pages, want [%d,%d) of %d", tc.n, tc.total, from, to, pageCount(tc.total), tc.from, tc.to, tc.pages)
		}
	}
}
