package redistest

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal has Linux kill redis-server when the test binary
// dies, so a test run without Main, or one killed by a timeout, leaks no
// server.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
