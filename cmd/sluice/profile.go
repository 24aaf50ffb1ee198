package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
)

// envCPUProfile names the environment variable that makes the process
// (broker, worker, server: every command but `plugin serve`, which has
// SLUICE_PLUGIN_CPUPROFILE) write a CPU profile to its value's path when
// it exits; "%p" in the path is replaced by the process id. A diagnostic,
// for benchmarks such as test/cdcbench.
const envCPUProfile = "SLUICE_CPUPROFILE"

// startCPUProfile starts the profile envCPUProfile asks for and returns
// the function that ends and writes it. Problems go to stderr: a
// diagnostic never stops the command.
func startCPUProfile(args []string) (stop func()) {
	path := os.Getenv(envCPUProfile)
	if path == "" || (len(args) > 0 && args[0] == "plugin") {
		return func() {}
	}
	path = strings.ReplaceAll(path, "%p", strconv.Itoa(os.Getpid()))
	f, err := os.Create(path)
	if err == nil {
		if err = pprof.StartCPUProfile(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", envCPUProfile, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", envCPUProfile, err)
		}
	}
}
