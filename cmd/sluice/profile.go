package main

import "github.com/sluicehq/sluice/plugins/sdk"

// envCPUProfile names the environment variable that makes the process
// (broker, worker, server: every command but `plugin serve`, which has
// sdk.EnvCPUProfile) write a CPU profile to its value's path when it
// exits; "%p" in the path is replaced by the process id. A diagnostic,
// for benchmarks such as test/cdcbench.
const envCPUProfile = "SLUICE_CPUPROFILE"

// startCPUProfile starts the profile envCPUProfile asks for, unless args
// run the plugin server, and returns the function that writes it.
func startCPUProfile(args []string) (stop func()) {
	if len(args) > 0 && args[0] == "plugin" {
		return func() {}
	}
	return sdk.StartCPUProfile(envCPUProfile)
}
