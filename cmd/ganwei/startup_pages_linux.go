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
// mapped although it touched little of it.
//
// Only mappings that are read-only now and hold no anonymous (copied) page are advised:
// a PIE or cgo build has a RELRO segment that the loader wrote relocations into before making it
// read-only, and dropping those pages would bring back the unrelocated file contents. Writable
// mappings are never touched. (A debugger's breakpoints set in code before this runs are private
// copies of those pages, so such a mapping is skipped too.) It returns the number of bytes of
// mappings advised (0 when /proc is not readable).
func releaseStartupPages() int {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0
	}
	defer f.Close()
	type mapping struct {
		start, end uint64
		private    bool // an anonymous (copied-on-write) page: not a plain copy of the file
	}
	var candidates []*mapping
	var cur *mapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if strings.HasSuffix(fields[0], ":") { // "Anonymous:     0 kB" of the current mapping
			// A page of a private file mapping that was written (relocated) is a copy and
			// counts as Anonymous. (Private_Dirty also counts file pages not yet written back
			// to disk, which are still plain file contents.)
			if cur != nil && fields[0] == "Anonymous:" && len(fields) >= 2 && fields[1] != "0" {
				cur.private = true
			}
			continue
		}
		// A mapping's header: 00400000-01186000 r-xp 00000000 fe:00 10027356   /usr/local/bin/ganwei
		cur = nil
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
		cur = &mapping{start: start, end: end}
		candidates = append(candidates, cur)
	}
	if sc.Err() != nil {
		return 0
	}
	total := 0
	for _, m := range candidates {
		if m.private {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(m.start), uintptr(m.end-m.start), syscall.MADV_DONTNEED); errno == 0 {
			total += int(m.end - m.start)
		}
	}
	return total
}
