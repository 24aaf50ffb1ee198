// Command exit dies before the handshake, as a plugin that cannot start does.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "cannot start: missing license file")
	os.Exit(3)
}
