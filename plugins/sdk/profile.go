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

// startCPUProfile starts the profile EnvCPUProfile asks for.
func startCPUProfile() (stop func()) { return StartCPUProfile(EnvCPUProfile) }

// StartCPUProfile starts the CPU profile the environment variable env asks
// for (its value a file path; "%p" in it is replaced by the process id)
// and returns the function that ends and writes it; without the variable,
// a no-op. Problems go to stderr: a diagnostic never stops a process.
func StartCPUProfile(env string) (stop func()) {
	path := os.Getenv(env)
	if path == "" {
		return func() {}
	}
	path = strings.ReplaceAll(path, "%p", strconv.Itoa(os.Getpid()))
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", env, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", env, err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", env, err)
		}
	}
}
