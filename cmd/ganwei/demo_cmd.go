//go:build !nodemo

package main

import "github.com/ganwei-bot/ganwei/embeddedredis"

// The default build carries the offline demo (the Bot API and 企业微信 stand-ins) and the embedded
// Redis of `serve --embedded-redis`. The production image is built with -tags nodemo, which
// leaves them out (nodemo.go): a smaller binary that starts smaller.

func init() {
	commands["demo"] = command{"run the whole bot offline with a terminal chat", runDemo}
}

// startEmbeddedRedis starts the in-memory Redis of the demo and of serve --embedded-redis.
var startEmbeddedRedis = embeddedredis.Start
