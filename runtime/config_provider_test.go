package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestResolveConfig(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(dir, "secrets.properties")
	if err := os.WriteFile(secrets, []byte("# db\ndb.password = s3cr3t\nuser: alice\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.properties")
	if err := os.WriteFile(bad, []byte("a=1\\u12zz-TOPSECRET\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLUICE_TEST_TOKEN", "tok-123")
	os.Unsetenv("SLUICE_TEST_UNSET")

	tests := []struct {
		name    string
		props   map[string]string
		want    map[string]string
		errWant []string // substrings of the error
	}{
		{name: "no placeholders", props: map[string]string{"a": "b", "c": "$x {y}"}, want: map[string]string{"a": "b", "c": "$x {y}"}},
		{name: "env", props: map[string]string{"token": "${env:SLUICE_TEST_TOKEN}"}, want: map[string]string{"token": "tok-123"}},
		{name: "file", props: map[string]string{"pw": "${file:" + secrets + ":db.password}"}, want: map[string]string{"pw": "s3cr3t"}},
		{name: "several in one value", props: map[string]string{"url": "u=${file:" + secrets + ":user};t=${env:SLUICE_TEST_TOKEN}"}, want: map[string]string{"url": "u=alice;t=tok-123"}},
		{name: "missing env", props: map[string]string{"name": "c", "token": "${env:SLUICE_TEST_UNSET}"},
			errWant: []string{`connector config "c"`, "token: cannot resolve ${env:SLUICE_TEST_UNSET}", "SLUICE_TEST_UNSET is not set"}},
		{name: "missing key", props: map[string]string{"pw": "${file:" + secrets + ":nope}"},
			errWant: []string{"pw: cannot resolve ${file:" + secrets + ":nope}", "has no property nope"}},
		{name: "missing file", props: map[string]string{"pw": "${file:" + dir + "/absent:k}"},
			errWant: []string{"pw: cannot resolve", "no such file"}},
		{name: "malformed file quotes no content", props: map[string]string{"pw": "${file:" + bad + ":a}"},
			errWant: []string{"pw: cannot resolve", "malformed at line 1"}},
		{name: "file without key", props: map[string]string{"pw": "${file:" + secrets + "}"},
			errWant: []string{"pw: cannot resolve", "${file:PATH:KEY}"}},
		{name: "unknown provider", props: map[string]string{"x": "${vault:secret/db:pw}"},
			errWant: []string{"x: cannot resolve ${vault:secret/db:pw}", `unknown config provider "vault"`}},
		{name: "every bad property named", props: map[string]string{"a": "${env:SLUICE_TEST_UNSET}", "b": "${nope:k}", "ok": "${env:SLUICE_TEST_TOKEN}"},
			errWant: []string{"a: cannot resolve", "b: cannot resolve"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveConfig(tc.props)
			if tc.errWant == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want a *ConfigError, got %v", err)
			}
			for _, s := range tc.errWant {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			for _, secret := range []string{"tok-123", "s3cr3t", "TOPSECRET"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows a secret", err)
				}
			}
		})
	}
}

func TestRestorePlaceholders(t *testing.T) {
	raw := map[string]string{"pw": "${env:X}", "host": "h", "url": "a${env:X}"}
	resolved := map[string]string{"pw": "secret", "host": "h", "url": "asecret"}
	cfgs := []map[string]string{
		{"pw": "secret", "host": "h", "url": "asecret", "task.part": "0"},
		{"pw": "changed", "host": "h"},
	}
	got := RestorePlaceholders(raw, resolved, cfgs)
	want := []map[string]string{
		{"pw": "${env:X}", "host": "h", "url": "a${env:X}", "task.part": "0"},
		{"pw": "changed", "host": "h"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if cfgs[0]["pw"] != "secret" {
		t.Fatal("the input was modified")
	}
}

func TestWorkerConfigProvidersAccepted(t *testing.T) {
	p := workerProps(t, "localhost:9092", "config.providers", "env,file",
		"config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider")
	_, warns, err := ParseWorkerConfig(p)
	if err != nil || len(warns) != 0 {
		t.Fatalf("err %v, warnings %v", err, warns)
	}
	p["config.providers"] = "vault"
	if _, warns, _ = ParseWorkerConfig(p); len(warns) != 1 || !strings.Contains(warns[0], "vault") {
		t.Fatalf("warnings %v", warns)
	}
}

// TestSourceResolvesPlaceholders: a task gets the value of ${env:…}, here
// of a typed property (validation sees the value too).
func TestSourceResolvesPlaceholders(t *testing.T) {
	addr := startBroker(t)
	t.Setenv("SLUICE_TEST_COUNT", "150")
	src := newCountingSource()
	startWorker(t, workerProps(t, addr), NewInProcess(src), sourceProps("count", "${env:SLUICE_TEST_COUNT}"))
	src.waitCommitted(t, 0, 150)
	checkExactly(t, addr, "numbers", 150)
}

// TestMissingPlaceholderFailsConnector: a connector whose placeholder
// cannot be resolved does not start; the error names the property and the
// placeholder.
func TestMissingPlaceholderFailsConnector(t *testing.T) {
	addr := startBroker(t)
	os.Unsetenv("SLUICE_TEST_UNSET_TOPIC")
	w := startWorker(t, workerProps(t, addr), NewInProcess(newCountingSource()),
		sourceProps("source.topics", "${env:SLUICE_TEST_UNSET_TOPIC}"))
	select {
	case <-w.done:
	case <-time.After(waitTimeout):
		t.Fatal("Run did not fail")
	}
	if w.err == nil || !strings.Contains(w.err.Error(), "source.topics: cannot resolve ${env:SLUICE_TEST_UNSET_TOPIC}") {
		t.Fatalf("Run: %v", w.err)
	}
}

// TestTaskResolvesAtStart: a task config's placeholder is resolved when the
// task starts; a missing file fails the task (FAILED, trace naming the
// property), and the restart picks the file up once it exists.
func TestTaskResolvesAtStart(t *testing.T) {
	addr := startBroker(t)
	src := newCountingSource()
	path := filepath.Join(t.TempDir(), "count.properties")
	wc, _, err := ParseWorkerConfig(workerProps(t, addr))
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWorker(Options{Config: wc, Plugins: NewInProcess(src), Logger: testLogger(t), ProgressInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := w.ValidateConnector(context.Background(), sourceProps("count", "42", "source.topics", "${file:"+path+":topic}"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.RunTask(ctx, conn, TaskID{Connector: "src"}, conn.Props) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(waitTimeout)
	for {
		st := w.Status("src")
		if len(st) == 1 && st[0].State == Failed {
			if !strings.Contains(st[0].Trace, "source.topics: cannot resolve ${file:"+path+":topic}") {
				t.Fatalf("trace %q", st[0].Trace)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := os.WriteFile(path, []byte("topic=numbers\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src.waitCommitted(t, 0, 42)
	checkExactly(t, addr, "numbers", 42)
}
