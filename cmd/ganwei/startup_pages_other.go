//go:build !linux

package main

// releaseStartupPages is Linux-only (see startup_pages_linux.go).
func releaseStartupPages() int { return 0 }
