package inbox

import "time"

// SetAbandonGrace shortens how long a worker waits for a cancelled handler, for a test.
func SetAbandonGrace(d time.Duration) (restore func()) {
	old := abandonGrace
	abandonGrace = d
	return func() { abandonGrace = old }
}
