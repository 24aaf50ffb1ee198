// Command silent never says the handshake, as a plugin stuck at start does.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	fmt.Fprintln(os.Stderr, "waiting for a lock that never comes")
	stuck := make(chan os.Signal, 1)
	signal.Notify(stuck, syscall.SIGUSR1) // nothing sends it
	<-stuck
}
