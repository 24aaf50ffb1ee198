package main

// `sluice dlq list|show|replay`: inspect, filter and replay dead-letter
// queues on any Kafka-protocol cluster. The logic is package dlq; this file
// parses flags and renders results (tables, or -o json).

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/dlq"
	"github.com/sluicehq/sluice/runtime"
	"github.com/sluicehq/sluice/runtime/properties"
)

// dlqCmdOptions are what the binary's integration gives `sluice dlq`.
type dlqCmdOptions struct {
	// LoadFixer loads the --transforms FILE of a replay as a fix-up hook;
	// nil refuses the flag.
	LoadFixer func(path string) (dlq.Fixer, error)
}

// newDLQCmd is `sluice dlq`.
func newDLQCmd() *cobra.Command { return newDLQCmdWith(dlqCmdOptions{LoadFixer: loadReplayFixer}) }

// loadReplayFixer reads a replay's --transforms FILE: a .properties file
// with the connector-style keys runtime.NewRecordFixer takes (transforms=…,
// predicates=…, key.converter, value.converter and their properties).
func loadReplayFixer(path string) (dlq.Fixer, error) {
	ps, err := properties.ParseFile(path)
	if err != nil {
		return nil, err
	}
	fx, err := runtime.NewRecordFixer(properties.Map(ps))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fx, nil
}

// dlqFlags are the flags shared by the dlq subcommands.
type dlqFlags struct {
	dlqCmdOptions
	bootstrap string
	output    string
	timeout   time.Duration
}

func newDLQCmdWith(co dlqCmdOptions) *cobra.Command {
	o := &dlqFlags{dlqCmdOptions: co}
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "Inspect, filter and replay dead-letter queues",
		Long: `Inspect, filter and replay dead-letter queues (DLQ topics written by sink
connectors with errors.tolerance=all and errors.deadletterqueue.topic.name).
Records carry Kafka Connect's __connect.errors.* headers, which say where
each record came from and why it failed.`,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&o.bootstrap, "bootstrap", envOr("SLUICE_BOOTSTRAP", defaultBootstrap),
		"comma-separated HOST:PORT list of brokers to bootstrap from (env SLUICE_BOOTSTRAP)")
	f.StringVarP(&o.output, "output", "o", formatTable, "output format: table or json")
	f.DurationVar(&o.timeout, "timeout", 10*time.Second, "give up on connecting to the cluster after this long")
	cmd.AddCommand(newDLQListCmd(o), newDLQShowCmd(o), newDLQReplayCmd(o))
	return cmd
}

// connect validates the shared flags and opens an Inspector.
func (o *dlqFlags) connect() (*dlq.Inspector, error) {
	if err := checkFormat(o.output); err != nil {
		return nil, err
	}
	seeds, err := parseBootstrap(o.bootstrap)
	if err != nil {
		return nil, err
	}
	if o.timeout <= 0 {
		return nil, fmt.Errorf("bad --timeout %s: must be positive", o.timeout)
	}
	return dlq.NewInspector(seeds, kgo.DialTimeout(o.timeout))
}

// filterFlags registers the filter flags shared by show and replay.
type filterFlags struct {
	f          dlq.Filter
	stage      string
	from, to   string
	partitions []int32
}

func (ff *filterFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&ff.f.Connector, "connector", "", "only records of this connector")
	f.StringVar(&ff.f.ErrorClass, "error-class", "", "only this exception class (full name, or its last part: DataException)")
	f.StringVar(&ff.stage, "stage", "", "only this failing stage (KEY_CONVERTER, VALUE_CONVERTER, TRANSFORMATION, TASK_PUT, TASK_POLL …)")
	f.StringVar(&ff.f.OriginalTopic, "original-topic", "", "only records that failed on this topic")
	f.StringVar(&ff.f.Message, "message", "", "only records whose exception message contains this text")
	f.StringVar(&ff.f.MessageRegexp, "message-regexp", "", "only records whose exception message matches this RE2 regexp")
	f.StringVar(&ff.from, "from", "", "only records with a timestamp at or after this (RFC 3339 or epoch ms)")
	f.StringVar(&ff.to, "to-time", "", "only records with a timestamp before this (RFC 3339 or epoch ms)")
	f.Int32SliceVar(&ff.partitions, "partition", nil, "only these DLQ partitions (repeatable, or comma-separated)")
	f.Int64Var(&ff.f.StartOffset, "start-offset", 0, "first DLQ offset, in each partition")
	f.Int64Var(&ff.f.EndOffset, "end-offset", 0, "DLQ offset to stop before, in each partition (0: the end)")
}

// filter is the parsed Filter.
func (ff *filterFlags) filter() (dlq.Filter, error) {
	f := ff.f
	f.Stage = dlq.Stage(strings.ToUpper(ff.stage))
	f.Partitions = ff.partitions
	var err error
	if f.From, err = dlq.ParseTime("--from", ff.from); err != nil {
		return f, err
	}
	if f.To, err = dlq.ParseTime("--to-time", ff.to); err != nil {
		return f, err
	}
	return f, nil
}

func newDLQListCmd(o *dlqFlags) *cobra.Command {
	var lo dlq.ListOptions
	cmd := &cobra.Command{
		Use:   "list [TOPIC...]",
		Short: "List DLQ topics with record counts and error breakdowns",
		Long: `List DLQ topics: the named ones, or those whose name matches --pattern
(and, with --probe, any topic whose newest records carry error context
headers). For each: records (end - start offsets), first and last record
time, and counts by connector, error class, stage and original topic over
the first --max-scan records (the output says when the scan was capped).`,
		Example: `  sluice dlq list
  sluice dlq list orders-dlq --max-scan 100000 -o json
  sluice dlq list --pattern 'errors-.*' --probe`,
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := o.connect()
			if err != nil {
				return err
			}
			defer in.Close()
			lo.Topics = args
			ss, err := in.List(cmd.Context(), lo)
			if err != nil {
				return err
			}
			return writeOutput(cmd.OutOrStdout(), o.output, dlqList(ss))
		},
	}
	f := cmd.Flags()
	f.StringVar(&lo.Pattern, "pattern", dlq.DefaultPattern, "regexp a whole topic name must match to be listed as a DLQ")
	f.BoolVar(&lo.Probe, "probe", false, "also list topics whose newest records carry __connect.errors.* headers")
	f.IntVar(&lo.MaxScan, "max-scan", dlq.DefaultMaxScan, "records read per topic for the breakdowns (negative: none)")
	return cmd
}

type dlqList []dlq.TopicSummary

func (l dlqList) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "TOPIC", "RECORDS", "SCANNED", "FIRST", "LAST", "CONNECTORS", "ERROR-CLASSES")
	for _, s := range l {
		scanned := fmt.Sprint(s.Scanned)
		if s.ScanCapped {
			scanned += " (capped)"
		}
		tableRow(tw, s.Topic, s.Records, scanned, timeCell(s.FirstTimestamp), timeCell(s.LastTimestamp),
			countsCell(s.ByConnector), countsCell(s.ByErrorClass))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range l {
		if s.ScanCapped {
			fmt.Fprintf(w, "\n%s: breakdowns cover the first %d of up to %d records (raise --max-scan to read more).\n", s.Topic, s.Scanned, s.Records)
		}
	}
	return nil
}

func timeCell(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

// countsCell renders counts as "a=3,b=1", largest first.
func countsCell(m map[string]int64) string {
	if len(m) == 0 {
		return "-"
	}
	ks := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		if m[a] != m[b] {
			return int(m[b] - m[a])
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(ks))
	for i, k := range ks {
		if k == "" {
			parts[i] = fmt.Sprintf("(none)=%d", m[k])
		} else {
			parts[i] = fmt.Sprintf("%s=%d", k, m[k])
		}
	}
	return strings.Join(parts, ",")
}

func newDLQShowCmd(o *dlqFlags) *cobra.Command {
	var (
		ff    filterFlags
		limit int
	)
	cmd := &cobra.Command{
		Use:   "show TOPIC",
		Short: "Show dead-letter records with their error context",
		Long: `Show the records of a DLQ topic that pass the filters, partition by
partition in offset order: where each came from (original topic, partition,
offset), connector, task, stage, error class and message, timestamp, and
previews of key and value (text when printable, else hex in the table and
base64 in JSON).`,
		Example: `  sluice dlq show orders-dlq --connector pg-sink --limit 20
  sluice dlq show orders-dlq --error-class DataException --message-regexp 'field .* missing'
  sluice dlq show orders-dlq --from 2026-03-01T00:00:00Z --partition 0 --start-offset 100 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := ff.filter()
			if err != nil {
				return err
			}
			in, err := o.connect()
			if err != nil {
				return err
			}
			defer in.Close()
			es, err := in.Show(cmd.Context(), args[0], f, limit)
			if err != nil {
				return err
			}
			return writeOutput(cmd.OutOrStdout(), o.output, dlqEntries(es))
		},
	}
	ff.register(cmd)
	cmd.Flags().IntVar(&limit, "limit", 100, "show at most this many records (0: all)")
	return cmd
}

type dlqEntries []dlq.Entry

func (es dlqEntries) writeTable(w io.Writer) error {
	tw := newTable(w)
	tableRow(tw, "PARTITION", "OFFSET", "TIMESTAMP", "ORIGIN", "CONNECTOR", "TASK", "STAGE", "ERROR-CLASS", "MESSAGE", "KEY", "VALUE")
	for _, e := range es {
		c := e.Context
		origin := "-"
		if c.Topic != "" {
			origin = fmt.Sprintf("%s/%d@%d", c.Topic, c.Partition, c.Offset)
		} else if c.SourceOffset != "" {
			origin = "source " + c.SourceOffset
		}
		tableRow(tw, e.Partition, e.Offset, e.Timestamp.Format(time.RFC3339), origin, dash(c.Connector), c.Task,
			dash(string(c.Stage)), dash(c.ErrorClass), cut(oneLine(c.Message), 60), previewCell(e.Key), previewCell(e.Value))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cut shortens s to n runes with an ellipsis.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// previewCell is a short table form of a preview: text, or hex for binary.
func previewCell(p dlq.Preview) string {
	switch p.Encoding {
	case "null":
		return "null"
	case "base64":
		b, _ := base64.StdEncoding.DecodeString(p.Data)
		return cut("0x"+hex.EncodeToString(b), 32)
	}
	return cut(oneLine(p.Data), 32)
}

func newDLQReplayCmd(o *dlqFlags) *cobra.Command {
	var (
		ff         filterFlags
		ro         dlq.ReplayOptions
		transforms string
		quiet      bool
	)
	cmd := &cobra.Command{
		Use:   "replay TOPIC",
		Short: "Replay dead-letter records to their original topic or another",
		Long: `Replay the records of a DLQ topic that pass the filters: to the topic each
failed on (its __connect.errors.topic header; a record without one stops
the replay unless --to is given), or to --to TOPIC. The error context
headers are stripped; key, value, other headers and the original timestamp
are kept. A record returns to its original partition when that exists in
the target, else it is partitioned by key.

Each replay has a name (--name, default TOPIC-to-TARGET or TOPIC-to-origin).
Its progress is the committed offsets of consumer group
sluice-dlq-replay-NAME on the DLQ, committed in the same transaction as the
records it produced: running a replay twice, or again after a crash or
Ctrl-C, replays each record once. Records the filters leave out still
advance the progress, so replaying them later needs another --name.
A target topic that does not exist is refused unless --create-topic.`,
		Example: `  sluice dlq replay orders-dlq --dry-run
  sluice dlq replay orders-dlq --connector pg-sink --error-class DataException
  sluice dlq replay orders-dlq --to orders-retry --create-topic --rate 100
  sluice dlq replay orders-dlq --name fix-1 --transforms fix.properties --purge`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if ro.Filter, err = ff.filter(); err != nil {
				return err
			}
			if transforms != "" {
				if o.LoadFixer == nil {
					return errors.New("--transforms is not available in this build of sluice")
				}
				if ro.Fixer, err = o.LoadFixer(transforms); err != nil {
					return fmt.Errorf("load --transforms %s: %w", transforms, err)
				}
			}
			ro.Topic = args[0]
			if !quiet {
				stderr := cmd.ErrOrStderr()
				ro.Progress = func(p dlq.Progress) { fmt.Fprintln(stderr, p) }
			}
			in, err := o.connect()
			if err != nil {
				return err
			}
			defer in.Close()
			res, err := in.Replay(cmd.Context(), ro)
			if res.Name != "" {
				if werr := writeOutput(cmd.OutOrStdout(), o.output, dlqReplay(res)); werr != nil && err == nil {
					err = werr
				}
			}
			return err
		},
	}
	ff.register(cmd)
	f := cmd.Flags()
	f.StringVar(&ro.To, "to", "", "send every record to this topic instead of its original one")
	f.StringVar(&ro.Name, "name", "", "replay name whose progress to use (default TOPIC-to-TARGET)")
	f.BoolVar(&ro.DryRun, "dry-run", false, "print what would go where; produce and commit nothing")
	f.Float64Var(&ro.Rate, "rate", 0, "at most this many records per second (0: no limit)")
	f.BoolVar(&ro.CreateTopic, "create-topic", false, "create a missing target topic (broker defaults) instead of refusing")
	f.BoolVar(&ro.Purge, "purge", false, "after the replay, delete the DLQ records below its progress (DeleteRecords)")
	f.StringVar(&transforms, "transforms", "", "fix records on the way with the transforms in FILE")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress lines on stderr")
	return cmd
}

type dlqReplay dlq.ReplayResult

func (r dlqReplay) writeTable(w io.Writer) error {
	verb := "Replayed"
	if r.DryRun {
		verb = "Dry run: would replay"
	}
	fmt.Fprintf(w, "%s %d record(s) from %s (replay %q, group %s); skipped %d by filter, dropped %d by fix-up",
		verb, r.Replayed, r.Topic, r.Name, r.Group, r.Skipped, r.Dropped)
	if r.Refused > 0 {
		fmt.Fprintf(w, "; %d without an original topic (give --to)", r.Refused)
	}
	fmt.Fprintf(w, "; %d remaining.\n", r.Remaining)
	tw := newTable(w)
	tableRow(tw, "TARGET", "RECORDS", "EXISTS")
	for _, t := range r.Targets {
		exists := fmt.Sprint(t.Exists)
		if t.Created {
			exists = "created"
		} else if !t.Exists && r.DryRun {
			exists = "NO (give --create-topic)"
		}
		tableRow(tw, t.Topic, t.Records, exists)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	io.WriteString(w, "\n")
	tw = newTable(w)
	tableRow(tw, "PARTITION", "FROM", "PROGRESS", "END", "LOG-START")
	for _, p := range r.Partitions {
		tableRow(tw, p.Partition, p.Start, p.Position, p.End, p.LogStart)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Purged {
		fmt.Fprintln(w, "Purged the DLQ below the progress offsets.")
	}
	return nil
}

// Ensure the renderers are tabular.
var _ = []tabular{dlqList(nil), dlqEntries(nil), dlqReplay{}}
