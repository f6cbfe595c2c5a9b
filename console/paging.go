package console

import (
	"net/http"
	"net/url"
	"strconv"
)

// pageSize is how many rows a long list shows at once: a page stays light (≤ 200 KB) and quick
// for a district of 10,000 people.
const pageSize = 50

// pager is one page of a list, with links to its neighbours that keep the other query parameters.
type pager struct {
	Page, Pages, From, To, Total int
	Prev, Next                   string
}

// requestedPage is the page ?page= asks for (1 when missing or bad), before clamping to the list.
func requestedPage(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// pageOf picks the page ?page= asks for (clamped) of a list of total rows under path.
func pageOf(r *http.Request, path string, total int) pager {
	pages := max(1, (total+pageSize-1)/pageSize)
	n := min(requestedPage(r), pages)
	p := pager{Page: n, Pages: pages, From: (n - 1) * pageSize, Total: total}
	p.To = min(p.From+pageSize, total)
	link := func(page int) string {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(page))
		return path + "?" + q.Encode()
	}
	if n > 1 {
		p.Prev = link(n - 1)
	}
	if n < pages {
		p.Next = link(n + 1)
	}
	return p
}
