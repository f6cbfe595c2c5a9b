//go:build nodemo

package main

import (
	"context"
	"errors"
)

// This build (-tags nodemo, as the Dockerfile builds it) leaves out the offline demo, its
// stand-ins and the embedded Redis; both say so rather than being unknown.

// errNotInBuild explains what a nodemo build lacks and where to find it.
var errNotInBuild = errors.New("not in this build (built with -tags nodemo for production); use a default build, e.g. go run ./cmd/ganwei demo")

func init() {
	commands["demo"] = command{"not in this build (-tags nodemo)", func(context.Context, Env, []string) error {
		return errNotInBuild
	}}
}

func startEmbeddedRedis() (string, func(), error) {
	return "", nil, &configError{"REDIS_URL", "not set, and the embedded Redis (--embedded-redis) is " + errNotInBuild.Error()}
}
