package offsets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Format names the file layout in its "format" field.
const Format = "sluice.offsets.v1"

// Store keeps source offsets by connector and source partition. It is safe
// for concurrent use.
type Store interface {
	// Load returns every stored offset of connector.
	Load(connector string) ([]sdk.SourceOffset, error)
	// Save stores offsets (replacing those of the same source partitions; a
	// nil Offset deletes the partition's entry) and returns once they are
	// durable.
	Save(connector string, offsets []sdk.SourceOffset) error
}

type entry struct {
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
}

type document struct {
	Format  string  `json:"format"`
	Offsets []entry `json:"offsets"`
}

// table holds entries by the key's canonical JSON text.
type table map[string]entry

func key(connector string, partition map[string]any) (string, error) {
	b, err := json.Marshal([]any{connector, partition}) // map keys come out sorted: canonical
	if err != nil {
		return "", fmt.Errorf("source partition %v: %w", partition, err)
	}
	return string(b), nil
}

func (t table) load(connector string) ([]sdk.SourceOffset, error) {
	var out []sdk.SourceOffset
	for _, k := range slices.Sorted(maps.Keys(t)) {
		var parts []json.RawMessage
		if err := json.Unmarshal([]byte(k), &parts); err != nil || len(parts) != 2 {
			return nil, fmt.Errorf("malformed key %s", k)
		}
		var name string
		if err := json.Unmarshal(parts[0], &name); err != nil {
			return nil, fmt.Errorf("malformed key %s", k)
		}
		if name != connector {
			continue
		}
		var so sdk.SourceOffset
		if err := DecodeMap(parts[1], &so.Partition); err != nil {
			return nil, fmt.Errorf("key %s: %w", k, err)
		}
		if err := DecodeMap(t[k].Value, &so.Offset); err != nil {
			return nil, fmt.Errorf("value of %s: %w", k, err)
		}
		out = append(out, so)
	}
	return out, nil
}

func (t table) put(connector string, offsets []sdk.SourceOffset) error {
	for _, o := range offsets {
		k, err := key(connector, o.Partition)
		if err != nil {
			return err
		}
		if o.Offset == nil {
			delete(t, k)
			continue
		}
		v, err := json.Marshal(o.Offset)
		if err != nil {
			return fmt.Errorf("source offset %v: %w", o.Offset, err)
		}
		t[k] = entry{Key: json.RawMessage(k), Value: v}
	}
	return nil
}

// DecodeMap unmarshals a JSON object, a source partition or offset, with
// the runtime's rule for numbers: integers as int64, others as float64.
// Anything but an object (null included) is an error. The offsets topic
// store (runtime/cluster) decodes with it too.
func DecodeMap(data []byte, dst *map[string]any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return err
	}
	if m == nil {
		return fmt.Errorf("not a JSON object: %s", data)
	}
	*dst, _ = normalize(m).(map[string]any)
	return nil
}

func normalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = normalize(x)
		}
	case []any:
		for i, x := range v {
			v[i] = normalize(x)
		}
	}
	return v
}

// File is the standalone offset store: one JSON file, see the package doc.
type File struct {
	path string
	mu   struct {
		sync.Mutex
		t table
	}
}

// OpenFile reads the store at path; a missing file is an empty store.
func OpenFile(path string) (*File, error) {
	f := &File{path: path}
	f.mu.t = table{}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("offsets file: %w", err)
	}
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("offsets file %s: %w", path, err)
	}
	if doc.Format != Format {
		return nil, fmt.Errorf("offsets file %s: format %q, want %q", path, doc.Format, Format)
	}
	for _, e := range doc.Offsets {
		var k any
		if err := json.Unmarshal(e.Key, &k); err != nil {
			return nil, fmt.Errorf("offsets file %s: key %s: %w", path, e.Key, err)
		}
		canon, _ := json.Marshal(k)
		f.mu.t[string(canon)] = entry{Key: canon, Value: e.Value}
	}
	return f, nil
}

// Load implements Store.
func (f *File) Load(connector string) ([]sdk.SourceOffset, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mu.t.load(connector)
}

// Save implements Store: it merges offsets and rewrites the file atomically.
func (f *File) Save(connector string, offsets []sdk.SourceOffset) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	next := maps.Clone(f.mu.t)
	if err := next.put(connector, offsets); err != nil {
		return err
	}
	if err := f.writeLocked(next); err != nil {
		return err
	}
	f.mu.t = next
	return nil
}

func (f *File) writeLocked(t table) error {
	// One entry per line, so that the file diffs and greps well.
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\n  \"format\": %q,\n  \"offsets\": [", Format)
	for i, k := range slices.Sorted(maps.Keys(t)) {
		line, err := json.Marshal(t[k])
		if err != nil {
			return err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		b.Write(line)
	}
	b.WriteString("\n  ]\n}\n")
	data := b.Bytes()
	tmp := f.path + ".tmp"
	if err := writeSync(tmp, data); err != nil {
		return fmt.Errorf("write offsets: %w", err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return fmt.Errorf("write offsets: %w", err)
	}
	if d, err := os.Open(filepath.Dir(f.path)); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("write offsets: sync directory: %w", err)
		}
	}
	return nil
}

func writeSync(path string, data []byte) error {
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return err
	}
	if err := w.Sync(); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// Memory is the in-memory twin of File.
type Memory struct {
	mu struct {
		sync.Mutex
		t table
	}
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	m := &Memory{}
	m.mu.t = table{}
	return m
}

// Load implements Store.
func (m *Memory) Load(connector string) ([]sdk.SourceOffset, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mu.t.load(connector)
}

// Save implements Store.
func (m *Memory) Save(connector string, offsets []sdk.SourceOffset) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mu.t.put(connector, offsets)
}
