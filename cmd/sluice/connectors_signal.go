package main

// connectors_signal.go is `sluice connectors signal`: a Debezium signal
// (execute-snapshot, stop-snapshot) sent through POST
// /connectors/{name}/signals, which produces it to the connector's Kafka
// signal channel.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/client"
)

func newConnectorsSignalCmd(o *restOptions) *cobra.Command {
	var file, typ, data string
	cmd := &cobra.Command{
		Use:   "signal NAME (-f FILE | --type TYPE [--data JSON])",
		Short: "Send a Debezium signal (execute-snapshot, stop-snapshot) through the connector's Kafka signal channel",
		Example: `  sluice connectors signal inventory --type execute-snapshot --data '{"data-collections":["public.orders"],"type":"incremental"}'
  sluice connectors signal inventory -f signal.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := signalBody(cmd.InOrStdin(), file, typ, data)
			if err != nil {
				return err
			}
			return o.run(cmd, func(ctx context.Context, c *client.Client) (tabular, error) {
				res, err := c.Signal(ctx, args[0], body)
				return signalSent{Connector: args[0], SignalResult: res}, err
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "file", "f", "", `JSON file of the signal, {"type": …, "data": {…}} ("-": standard input)`)
	f.StringVar(&typ, "type", "", "signal type: execute-snapshot or stop-snapshot")
	f.StringVar(&data, "data", "", `signal data, a JSON object such as {"data-collections":["public.t"],"type":"incremental"}`)
	return cmd
}

// signalBody builds the request body from -f or --type/--data.
func signalBody(stdin io.Reader, file, typ, data string) ([]byte, error) {
	switch {
	case file != "" && (typ != "" || data != ""):
		return nil, fmt.Errorf("signal takes -f FILE or --type/--data, not both")
	case file == "-":
		return io.ReadAll(stdin)
	case file != "":
		return os.ReadFile(file)
	case typ == "":
		return nil, fmt.Errorf("signal needs -f FILE or --type TYPE")
	}
	s := struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data,omitempty"`
	}{Type: typ}
	if data != "" {
		if !json.Valid([]byte(data)) {
			return nil, fmt.Errorf("--data is not JSON: %s", data)
		}
		s.Data = json.RawMessage(data)
	}
	return json.Marshal(s)
}

// signalSent is the answer: where the signal record went.
type signalSent struct {
	Connector string `json:"connector"`
	api.SignalResult
}

func (s signalSent) writeTable(w io.Writer) error {
	_, err := fmt.Fprintf(w, "Signal for connector %s written to %s partition %d at offset %d.\n", s.Connector, s.Topic, s.Partition, s.Offset)
	return err
}
