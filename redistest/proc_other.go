//go:build !linux

package redistest

import "os/exec"

// setParentDeathSignal is a no-op where the OS has no parent-death signal;
// there Main is what stops the private server.
func setParentDeathSignal(*exec.Cmd) {}
