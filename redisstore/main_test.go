package redisstore_test

import (
	"testing"

	"github.com/ganwei-bot/ganwei/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }
