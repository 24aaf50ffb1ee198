package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

const (
	formatTable = "table"
	formatJSON  = "json"
)

// tabular is a command result: it renders itself as aligned columns, and its
// exported fields, with their json tags, are the JSON form.
type tabular interface {
	writeTable(w io.Writer) error
}

func checkFormat(format string) error {
	switch format {
	case formatTable, formatJSON:
		return nil
	}
	return fmt.Errorf("bad --output %q: expected table or json", format)
}

// writeOutput renders r on w in format (table or json).
func writeOutput(w io.Writer, format string, r tabular) error {
	if format == formatJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return r.writeTable(w)
}

// newTable returns a tabwriter for aligned, space-padded columns. Callers
// write tab-separated cells and must call Flush.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}

// row writes cells as one tab-separated line.
func tableRow(w io.Writer, cells ...any) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(w, "\t")
		}
		fmt.Fprint(w, c)
	}
	io.WriteString(w, "\n")
}

// withErr returns cells, with errCell appended when show is set: tables
// grow an ERROR column only when some row has an error.
func withErr(show bool, errCell any, cells ...any) []any {
	if show {
		return append(cells, errCell)
	}
	return cells
}

// joinInt32s renders broker ids as "1,2,3".
func joinInt32s(is []int32) string {
	s := make([]string, len(is))
	for i, v := range is {
		s[i] = strconv.FormatInt(int64(v), 10)
	}
	return strings.Join(s, ",")
}

// offsetCell renders an optional offset, "-" when absent.
func offsetCell(o *int64) string {
	if o == nil {
		return "-"
	}
	return strconv.FormatInt(*o, 10)
}
