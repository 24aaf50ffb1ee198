// Command kadmin is the small Kafka admin client test/kcat/run.sh uses where
// kcat has no equivalent: creating a topic (until `sluice topics create` is
// ready) and reading a group's committed offsets. It uses franz-go's kadm, so
// its answers do not depend on the broker's own CLI.
//
//	kadmin -bootstrap HOST:PORT create-topic NAME PARTITIONS
//	kadmin -bootstrap HOST:PORT committed GROUP TOPIC
//
// committed prints one line per partition of TOPIC: "PARTITION COMMITTED END",
// with COMMITTED -1 when the group has no commit for the partition.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kadmin:", err)
		os.Exit(1)
	}
}

func run() error {
	bootstrap := flag.String("bootstrap", "127.0.0.1:9092", "broker address")
	timeout := flag.Duration("timeout", 30*time.Second, "deadline for the whole command")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	cl, err := kgo.NewClient(kgo.SeedBrokers(*bootstrap))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	args := flag.Args()
	switch {
	case len(args) == 3 && args[0] == "create-topic":
		parts, err := strconv.Atoi(args[2])
		if err != nil {
			return fmt.Errorf("partitions %q: %w", args[2], err)
		}
		resp, err := adm.CreateTopic(ctx, int32(parts), 1, nil, args[1])
		if err == nil {
			err = resp.Err
		}
		if err != nil {
			return fmt.Errorf("create topic %s: %w", args[1], err)
		}
		return nil
	case len(args) == 3 && args[0] == "committed":
		group, topic := args[1], args[2]
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err == nil {
			err = ends.Error()
		}
		if err != nil {
			return fmt.Errorf("list end offsets of %s: %w", topic, err)
		}
		committed, err := adm.FetchOffsets(ctx, group)
		if err == nil {
			err = committed.Error()
		}
		if err != nil {
			return fmt.Errorf("fetch offsets of group %s: %w", group, err)
		}
		var listed []kadm.ListedOffset
		ends.Each(func(o kadm.ListedOffset) { listed = append(listed, o) })
		sort.Slice(listed, func(i, j int) bool { return listed[i].Partition < listed[j].Partition })
		for _, o := range listed {
			c := int64(-1)
			if r, ok := committed.Lookup(topic, o.Partition); ok {
				c = r.At
			}
			fmt.Printf("%d %d %d\n", o.Partition, c, o.Offset)
		}
		return nil
	}
	return fmt.Errorf("usage: kadmin -bootstrap HOST:PORT {create-topic NAME PARTITIONS | committed GROUP TOPIC}")
}
