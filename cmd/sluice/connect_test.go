package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connectors/file"
	"github.com/sluicehq/sluice/plugins/sdk"
	"github.com/sluicehq/sluice/runtime"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// inProcess serves the built-in connectors in this process, plus extra
// (which replace built-ins of the same name).
func inProcess(extra ...sdk.Connector) func(context.Context, *runtime.WorkerConfig, *slog.Logger) (runtime.Plugins, error) {
	return func(context.Context, *runtime.WorkerConfig, *slog.Logger) (runtime.Plugins, error) {
		return runtime.NewInProcess(append(builtinConnectors(), extra...)...), nil // extra win
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestConnectStandaloneConfigErrors(t *testing.T) {
	dir := t.TempDir()
	goodWorker := writeFile(t, dir, "worker.properties", "bootstrap.servers=127.0.0.1:1\nkey.converter=string\nvalue.converter=string\n"+
		"offset.storage.file.filename="+filepath.Join(dir, "offsets.json")+"\n")
	tests := []struct {
		name      string
		worker    string
		connector []string
		want      []string
	}{
		{"worker syntax", writeFile(t, dir, "syntax.properties", "a=1\n# c\nb=\\u00zz\n"), nil,
			[]string{"syntax.properties:3: value of \"b\": malformed"}},
		{"worker values", writeFile(t, dir, "bad-worker.properties", "key.converter=string\n\noffset.flush.interval.ms=often\ntopic.creation.enable=maybe\n"), nil,
			[]string{
				"bad-worker.properties:3: offset.flush.interval.ms: Invalid value often",
				"bad-worker.properties:4: topic.creation.enable: Invalid value maybe",
				"bad-worker.properties: value.converter: Missing required configuration",
				"bad-worker.properties: offset.storage.file.filename: Missing required configuration",
			}},
		{"connectors", goodWorker, []string{
			writeFile(t, dir, "src.properties", "name=src\nconnector.class=FileStreamSource\ntasks.max=0\ntopic=a,b\n"),
			writeFile(t, dir, "snk.properties", "name=snk\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\nfile=/tmp/x\nvalue.converter=nope\n"),
			writeFile(t, dir, "unknown.properties", "name=u\nconnector.class=NoSuchConnector\n"),
		}, []string{
			"src.properties:3: tasks.max: Invalid value 0",
			"src.properties:4: topic: Invalid value a,b",
			"src.properties: file: Missing required configuration",
			"snk.properties: topics: a sink connector needs topics or topics.regex",
			"snk.properties:4: value.converter: convert: unknown converter class",
			"unknown.properties:2: connector.class: no connector plugin named \"NoSuchConnector\"",
		}},
		{"duplicate names", goodWorker, []string{
			writeFile(t, dir, "a.properties", "name=same\nconnector.class=FileStreamSink\nfile=/tmp/a\ntopics=t\n"),
			writeFile(t, dir, "b.properties", "name=same\nconnector.class=FileStreamSink\nfile=/tmp/b\ntopics=t\n"),
		}, []string{"b.properties:1: name: connector \"same\" is already defined in " + filepath.Join(dir, "a.properties")}},
		{"missing file", goodWorker, []string{filepath.Join(dir, "nope.properties")}, []string{"nope.properties: no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runStandalone(context.Background(), tt.worker, tt.connector, discard(), inProcess())
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// signallingSink wraps the file sink so the test can wait for its flushes.
type signallingSink struct {
	sdk.SinkConnector
	flushed chan struct{}
}

func (s signallingSink) NewTask() sdk.SinkTask {
	return signallingTask{SinkTask: s.SinkConnector.NewTask(), flushed: s.flushed}
}

type signallingTask struct {
	sdk.SinkTask
	flushed chan struct{}
}

func (t signallingTask) Flush(ctx context.Context) (map[sdk.TopicPartition]int64, error) {
	offs, err := t.SinkTask.Flush(ctx)
	select {
	case t.flushed <- struct{}{}:
	default:
	}
	return offs, err
}

// TestConnectStandaloneFileToFile runs the file source and sink connectors
// through the standalone worker and the bundled broker.
func TestConnectStandaloneFileToFile(t *testing.T) {
	bootstrap := startTestCluster(t)
	dir := t.TempDir()
	var in strings.Builder
	for i := range 100 {
		fmt.Fprintf(&in, "line %d\n", i)
	}
	input := writeFile(t, dir, "in.txt", in.String())
	output := filepath.Join(dir, "out.txt")
	worker := writeFile(t, dir, "worker.properties", fmt.Sprintf(`# standalone worker
bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=%s
offset.flush.interval.ms=50
`, bootstrap, filepath.Join(dir, "offsets.json")))
	source := writeFile(t, dir, "source.properties", "name=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\n"+
		"file="+input+"\ntopic=connect-test\ntopic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n")
	sink := writeFile(t, dir, "sink.properties", "name=local-file-sink\nconnector.class=FileStreamSink\ntasks.max=1\n"+
		"file="+output+"\ntopics=connect-test\n")

	flushed := make(chan struct{}, 1)
	fileSink := signallingSink{SinkConnector: file.NewSink(), flushed: flushed}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runStandalone(ctx, worker, []string{source, sink}, discard(), inProcess(fileSink)) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("standalone: %v", err)
		}
	}()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case <-flushed:
		case err := <-done:
			t.Fatalf("standalone ended: %v", err)
		case <-timeout:
			t.Fatal("output never matched the input")
		}
		if got, _ := os.ReadFile(output); string(got) == in.String() {
			return
		}
	}
}
