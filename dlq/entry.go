package dlq

import (
	"encoding/base64"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Entry is one dead-letter record as Show returns it: where it sits in the
// DLQ, the error context read from its headers, and previews of its key
// and value (the original bytes).
type Entry struct {
	Partition int32     `json:"partition"`
	Offset    int64     `json:"offset"`
	Timestamp time.Time `json:"timestamp"`
	// HasContext is false for a record without error context headers
	// (a connector with errors.deadletterqueue.context.headers.enable=false).
	HasContext bool     `json:"has_context"`
	Context    Context  `json:"context"`
	Key        Preview  `json:"key"`
	Value      Preview  `json:"value"`
	Headers    []Header `json:"headers,omitempty"`
	// Record is the record as fetched, headers included.
	Record *kgo.Record `json:"-"`
}

// Header is a record header that is not an error context header.
type Header struct {
	Key   string  `json:"key"`
	Value Preview `json:"value"`
}

// Preview shows bytes: as text when they are printable UTF-8, otherwise as
// base64. Data holds at most PreviewBytes of the input.
type Preview struct {
	// Encoding is "null" (absent), "text" or "base64".
	Encoding  string `json:"encoding"`
	Data      string `json:"data,omitempty"`
	Size      int    `json:"size"`
	Truncated bool   `json:"truncated,omitempty"`
}

// PreviewBytes is how many bytes of a key, value or header a Preview keeps.
const PreviewBytes = 1024

// NewPreview previews b, keeping at most max bytes (PreviewBytes when
// max <= 0).
func NewPreview(b []byte, max int) Preview {
	if b == nil {
		return Preview{Encoding: "null"}
	}
	if max <= 0 {
		max = PreviewBytes
	}
	p := Preview{Size: len(b)}
	if len(b) > max {
		b, p.Truncated = b[:max], true
		// Do not cut a UTF-8 sequence in two.
		for len(b) > 0 && !utf8.Valid(b) && len(b) > max-utf8.UTFMax {
			b = b[:len(b)-1]
		}
	}
	if printable(b) {
		p.Encoding, p.Data = "text", string(b)
	} else {
		p.Encoding, p.Data = "base64", base64.StdEncoding.EncodeToString(b)
	}
	return p
}

// printable reports whether b is UTF-8 text without control characters
// other than tab and newlines.
func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if !unicode.IsPrint(r) && !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// newEntry reads r back as an Entry.
func newEntry(r *kgo.Record) Entry {
	e := matchEntry(r)
	e.Key, e.Value = NewPreview(r.Key, 0), NewPreview(r.Value, 0)
	for _, h := range r.Headers {
		if !IsContextHeader(h.Key) {
			e.Headers = append(e.Headers, Header{Key: h.Key, Value: NewPreview(h.Value, 0)})
		}
	}
	return e
}

// matchEntry is the part of r's Entry a Filter looks at (no previews): what
// a replay needs per record.
func matchEntry(r *kgo.Record) Entry {
	ctx, ok := ParseContext(r.Headers)
	return Entry{
		Partition:  r.Partition,
		Offset:     r.Offset,
		Timestamp:  r.Timestamp.UTC(),
		HasContext: ok,
		Context:    ctx,
		Record:     r,
	}
}
