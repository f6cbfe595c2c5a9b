package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// releaseStartupPages unmaps the pages of the binary's read-only mappings (code, read-only data
// and the function tables) from this process, so that code and tables only start-up used stop
// counting towards its resident memory. They are clean pages of the executable file: nothing is
// lost, and whatever the bot runs afterwards is mapped again from the page cache on first touch.
// Linux maps file pages in 64 KB blocks around each fault ("fault-around"), so start-up — package
// initialisation, reading the knowledge base, registering the webhook — leaves most of the binary
// mapped although it touched little of it. Writable mappings are left alone. (A debugger's
// breakpoints set in code before this runs are private copies of those pages and are dropped.) It returns the
// number of bytes of mappings advised (0 when /proc is not readable).
func releaseStartupPages() int {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0
	}
	defer f.Close()
	total := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-01186000 r-xp 00000000 fe:00 10027356   /usr/local/bin/ganwei
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || (fields[1] != "r-xp" && fields[1] != "r--p") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED); errno == 0 {
			total += int(end - start)
		}
	}
	return total
}
