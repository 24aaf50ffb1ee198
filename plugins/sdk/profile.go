package sdk

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
)

// EnvCPUProfile names the environment variable that makes Serve write a CPU
// profile of the plugin process (a diagnostic: the host passes its
// environment on, so setting it for the worker profiles every plugin it
// launches). Its value is a file path; "%p" in it is replaced by the process
// id, so several plugin processes do not overwrite one another's profile.
// The profile is written when the host shuts the process down.
const EnvCPUProfile = "SLUICE_PLUGIN_CPUPROFILE"

// startCPUProfile starts the profile EnvCPUProfile asks for and returns the
// function that ends and writes it. Problems go to stderr (the host's log):
// a diagnostic never stops a plugin from serving.
func startCPUProfile() (stop func()) {
	path := os.Getenv(EnvCPUProfile)
	if path == "" {
		return func() {}
	}
	path = strings.ReplaceAll(path, "%p", strconv.Itoa(os.Getpid()))
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", EnvCPUProfile, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", EnvCPUProfile, err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", EnvCPUProfile, err)
		}
	}
}
