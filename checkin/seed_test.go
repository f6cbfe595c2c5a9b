//go:build seed

package checkin_test

import (
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestSeedYearForCLI fills the Redis at GANWEI_SEED_REDIS_URL under GANWEI_SEED_PREFIX with the
// benchmark year and leaves it there, so that the command line export can be measured with
// /usr/bin/time -v. It is a tool, not a check, so it is built only when asked for:
//
//	GANWEI_SEED_REDIS_URL=redis://127.0.0.1:6390/0 GANWEI_SEED_PREFIX=bench \
//	  go test -tags seed -run TestSeedYearForCLI ./checkin/
func TestSeedYearForCLI(t *testing.T) {
	url, prefix := os.Getenv("GANWEI_SEED_REDIS_URL"), os.Getenv("GANWEI_SEED_PREFIX")
	if url == "" || prefix == "" {
		t.Fatal("set GANWEI_SEED_REDIS_URL and GANWEI_SEED_PREFIX to the Redis and key prefix to seed")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	start := time.Now()
	seedYear(t, c, prefix, yearCadres)
	t.Logf("seeded %d answers under %s in %v", yearCadres*yearWeeks, prefix, time.Since(start))
}
