package transforms

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/plugins/sdk"
)

// Configuration of io.debezium.transforms.ExtractNewRecordState.

const (
	debeziumUnwrapClass = "io.debezium.transforms.ExtractNewRecordState"
	debeziumVersion     = "3.0.0.Final"
	deletedField        = "__deleted"
)

func extractNewRecordStateDef() *sdk.ConfigDef {
	return sdk.NewConfigDef().
		Define(sdk.Key{Name: "delete.tombstone.handling.mode", Type: sdk.String, Importance: sdk.Medium,
			Doc: "How delete events and tombstones are handled: drop (remove both), tombstone (deletes become records with a null value; tombstones removed), rewrite (deletes become the before state with __deleted=true; tombstones removed), rewrite-with-tombstone (rewrite, keeping tombstones), delete-to-tombstone (deletes become tombstones; tombstones removed). When set, it replaces drop.tombstones and delete.handling.mode.",
			Validator: func(v string) error {
				if strings.TrimSpace(v) == "" {
					return nil
				}
				return sdk.OneOf("drop", "tombstone", "rewrite", "rewrite-with-tombstone", "delete-to-tombstone")(v)
			}}).
		Define(sdk.Key{Name: "drop.tombstones", Type: sdk.Boolean, Default: "true", Importance: sdk.Low,
			Doc: "Deprecated (use delete.tombstone.handling.mode). Drop tombstone records."}).
		Define(sdk.Key{Name: "delete.handling.mode", Type: sdk.String, Default: "drop", Importance: sdk.Medium,
			Doc:       "Deprecated (use delete.tombstone.handling.mode). How delete events are handled: drop, rewrite (the before state with __deleted=true), none (a record with a null value).",
			Validator: sdk.OneOf("drop", "rewrite", "none")}).
		Define(sdk.Key{Name: "route.by.field", Type: sdk.String, Default: "", Importance: sdk.Low,
			Doc: "The column of the row state whose value becomes the topic name."}).
		Define(sdk.Key{Name: "add.fields.prefix", Type: sdk.String, Default: "__", Importance: sdk.Low,
			Doc: "Prefix of the fields added by add.fields."}).
		Define(sdk.Key{Name: "add.fields", Type: sdk.List, Default: "", Importance: sdk.Low,
			Doc:       "Envelope fields to add to the row state: op, ts_ms, source fields (table, lsn, source.ts_ms …), transaction fields (id, total_order, data_collection_order); FIELD:NAME renames.",
			Validator: func(v string) error { _, err := parseFieldRefs("", splitList(v)); return err }}).
		Define(sdk.Key{Name: "add.headers.prefix", Type: sdk.String, Default: "__", Importance: sdk.Low,
			Doc: "Prefix of the headers added by add.headers."}).
		Define(sdk.Key{Name: "add.headers", Type: sdk.List, Default: "", Importance: sdk.Low,
			Doc:       "Envelope fields to add as headers, named as in add.fields.",
			Validator: func(v string) error { _, err := parseFieldRefs("", splitList(v)); return err }}).
		Define(sdk.Key{Name: "drop.fields.header.name", Type: sdk.String, Default: "", Importance: sdk.Low,
			Doc: "The name of a header listing fields to remove from the row state."}).
		Define(sdk.Key{Name: "drop.fields.from.key", Type: sdk.Boolean, Default: "false", Importance: sdk.Low,
			Doc: "Whether the fields named by drop.fields.header.name are removed from the key too."}).
		Define(sdk.Key{Name: "drop.fields.keep.schema.compatible", Type: sdk.Boolean, Default: "true", Importance: sdk.Low,
			Doc: "true: only optional fields are dropped (the result stays schema compatible); false: every listed field is dropped."}).
		Define(replaceNullKey())
}

// deleteAction is what happens to a delete event.
type deleteAction int

const (
	deleteDrop      deleteAction = iota
	deleteNullValue              // the row state, null: value schema kept, value null
	deleteTombstone              // a tombstone: value and value schema null
	deleteRewrite                // the before state with __deleted=true
)

type deleteModes struct {
	keepTombstones bool
	onDelete       deleteAction
	rewrite        bool // add __deleted=false to creates and updates
}

func parseDeleteModes(c conf) deleteModes {
	if m := strings.TrimSpace(c.str("delete.tombstone.handling.mode")); m != "" {
		switch m {
		case "drop":
			return deleteModes{onDelete: deleteDrop}
		case "tombstone":
			return deleteModes{onDelete: deleteNullValue}
		case "rewrite":
			return deleteModes{onDelete: deleteRewrite, rewrite: true}
		case "rewrite-with-tombstone":
			return deleteModes{keepTombstones: true, onDelete: deleteRewrite, rewrite: true}
		default: // delete-to-tombstone
			return deleteModes{onDelete: deleteTombstone}
		}
	}
	d := deleteModes{keepTombstones: !c.bool("drop.tombstones")}
	switch c.str("delete.handling.mode") {
	case "rewrite":
		d.onDelete, d.rewrite = deleteRewrite, true
	case "none":
		d.onDelete = deleteNullValue
	default:
		d.onDelete = deleteDrop
	}
	return d
}

// fieldRef is an envelope field named in add.fields or add.headers.
type fieldRef struct {
	parent string // "" for op and ts_ms; "source", "transaction", …
	field  string
	out    string // the added field's or header's name
}

func parseFieldRefs(prefix string, items []string) ([]fieldRef, error) {
	var out []fieldRef
	for _, it := range items {
		parts := strings.Split(it, ":")
		if len(parts) > 2 || parts[0] == "" || (len(parts) == 2 && parts[1] == "") {
			return nil, fmt.Errorf("unexpected field name: %s", it)
		}
		path := strings.Split(parts[0], ".")
		if len(path) > 2 || path[len(path)-1] == "" || path[0] == "" {
			return nil, fmt.Errorf("unexpected field name: %s", it)
		}
		r := fieldRef{field: path[len(path)-1]}
		if len(path) == 2 {
			r.parent = path[0]
			r.out = prefix + path[0] + "_" + r.field
		} else {
			switch r.field {
			case "id", "total_order", "data_collection_order":
				r.parent = "transaction"
			case "op", "ts_ms":
			case "updateDescription":
				r.parent = "updateDescription"
			default:
				r.parent = "source"
			}
			r.out = prefix + r.field
		}
		if len(parts) == 2 {
			r.out = prefix + parts[1]
		}
		out = append(out, r)
	}
	return out, nil
}
