// Command garbage writes to stdout before the go-plugin handshake, as a
// careless plugin (or a program that is no plugin) does.
package main

import (
	"fmt"

	"github.com/sluicehq/sluice/plugins/sdk"
)

func main() {
	fmt.Println("hello, I print to stdout")
	sdk.Serve()
}
