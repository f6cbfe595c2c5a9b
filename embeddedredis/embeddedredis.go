// Package embeddedredis runs an in-process, in-memory Redis (miniredis) for
// `ganwei demo` and `ganwei serve --embedded-redis`, where no Redis server is
// at hand. Data lives only as long as the process, and miniredis implements
// most but not all of Redis (no Lua-heavy modules, no persistence), so it is
// never the production store.
package embeddedredis

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
)

// Start starts an embedded Redis on a free loopback port and returns its
// address ("127.0.0.1:port", usable as redis://ADDR) and a stop function
// that discards all data. stop is safe to call more than once.
func Start() (addr string, stop func(), err error) {
	m, err := miniredis.Run()
	if err != nil {
		return "", nil, fmt.Errorf("start embedded redis: %w", err)
	}
	return m.Addr(), m.Close, nil
}
