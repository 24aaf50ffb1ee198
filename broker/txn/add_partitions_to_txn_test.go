package txn

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func addOffsets(h *harness, id string, version int16, pid int64, epoch int16, group string) int16 {
	req := kmsg.NewPtrAddOffsetsToTxnRequest()
	req.Version = version
	req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Group = id, pid, epoch, group
	return h.c.AddOffsetsToTxn(context.Background(), req).ErrorCode
}

func TestAddPartitionsErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		pid, epoch := h.mustInit("tx")
		wantCode(t, "unknown id", h.add("nope", 3, pid, epoch, "orders", 0)[0], kerr.InvalidProducerIDMapping.Code)
		wantCode(t, "other producer id", h.add("tx", 3, pid+1, epoch, "orders", 0)[0], kerr.InvalidProducerIDMapping.Code)
		wantCode(t, "empty id", h.add("", 3, pid, epoch, "orders", 0)[0], kerr.InvalidRequest.Code)

		req := kmsg.NewPtrAddPartitionsToTxnRequest()
		req.Version = 3
		req.TransactionalID, req.ProducerID, req.ProducerEpoch = "tx", pid, epoch
		for _, topic := range []string{"orders", "missing"} {
			rt := kmsg.NewAddPartitionsToTxnRequestTopic()
			rt.Topic, rt.Partitions = topic, []int32{0, 1}
			req.Topics = append(req.Topics, rt)
		}
		resp := h.c.AddPartitionsToTxn(context.Background(), req)
		for _, rt := range resp.Topics {
			want := kerr.OperationNotAttempted.Code
			if rt.Topic == "missing" {
				want = kerr.UnknownTopicOrPartition.Code
			}
			for _, p := range rt.Partitions {
				wantCode(t, rt.Topic, p.ErrorCode, want)
			}
		}
		h.wantState("tx", "Empty") // nothing was added

		h.store.setFail(errStore)
		wantCode(t, "store down", h.add("tx", 3, pid, epoch, "orders", 0)[0], kerr.CoordinatorNotAvailable.Code)
		h.wantState("tx", "Empty")
		h.store.setFail(kerr.NotLeaderForPartition)
		wantCode(t, "store moved", h.add("tx", 3, pid, epoch, "orders", 0)[0], kerr.NotCoordinator.Code)
	})
}

// Version 4+: a batch of transactions, some VerifyOnly.
func TestAddPartitionsBatched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		pa, ea := h.mustInit("a")
		pb, eb := h.mustInit("b")
		h.mustAdd("a", pa, ea, "orders", 0)

		txn := func(id string, pid int64, epoch int16, verify bool, parts ...int32) kmsg.AddPartitionsToTxnRequestTransaction {
			tx := kmsg.NewAddPartitionsToTxnRequestTransaction()
			tx.TransactionalID, tx.ProducerID, tx.ProducerEpoch, tx.VerifyOnly = id, pid, epoch, verify
			rt := kmsg.NewAddPartitionsToTxnRequestTransactionTopic()
			rt.Topic, rt.Partitions = "orders", parts
			tx.Topics = append(tx.Topics, rt)
			return tx
		}
		req := kmsg.NewPtrAddPartitionsToTxnRequest()
		req.Version = 5
		req.Transactions = append(req.Transactions,
			txn("a", pa, ea, true, 0, 1), // verify: 0 in, 1 not
			txn("b", pb, eb, false, 2),   // add
			txn("b", pb, eb+1, true, 2),  // fenced
			txn("zzz", 1, 0, true, 0),    // unknown
		)
		resp := h.c.AddPartitionsToTxn(context.Background(), req)
		got := make([][]int16, 0, len(resp.Transactions))
		for _, tx := range resp.Transactions {
			var codes []int16
			for _, p := range tx.Topics[0].Partitions {
				codes = append(codes, p.ErrorCode)
			}
			got = append(got, codes)
		}
		want := [][]int16{
			{0, kerr.InvalidTxnState.Code},
			{0},
			{kerr.ProducerFenced.Code},
			{kerr.InvalidProducerIDMapping.Code},
		}
		for i := range want {
			for j := range want[i] {
				wantCode(t, resp.Transactions[i].TransactionalID, got[i][j], want[i][j])
			}
		}
		h.wantState("b", "Ongoing")
		if h.describe("a").Topics[0].Partitions[0] != 0 || len(h.describe("a").Topics[0].Partitions) != 1 {
			t.Fatal("VerifyOnly added a partition")
		}
	})
}

func TestAddOffsetsToTxn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, func(cfg *Config) {
			cfg.GroupPartition = func(g string) int32 { return int32(len(g)) }
		})
		pid, epoch := h.mustInit("tx")
		wantCode(t, "AddOffsetsToTxn", addOffsets(h, "tx", 2, pid, epoch, "groupie"), 0)
		d := h.describe("tx")
		if len(d.Topics) != 1 || d.Topics[0].Topic != OffsetsTopic || len(d.Topics[0].Partitions) != 1 || d.Topics[0].Partitions[0] != 7 {
			t.Fatalf("topics %+v, want %s/7", d.Topics, OffsetsTopic)
		}
		wantCode(t, "fenced v1", addOffsets(h, "tx", 1, pid, epoch+1, "g"), kerr.InvalidProducerEpoch.Code)
		wantCode(t, "fenced v2", addOffsets(h, "tx", 2, pid, epoch+1, "g"), kerr.ProducerFenced.Code)
		wantCode(t, "unknown id", addOffsets(h, "nope", 2, pid, epoch, "g"), kerr.InvalidProducerIDMapping.Code)
	})
}

func TestVerify(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.markers.block = make(chan struct{})
		pid, epoch := h.mustInit("tx")
		h.mustAdd("tx", pid, epoch, "orders", 0)
		for _, tc := range []struct {
			name  string
			id    string
			pid   int64
			epoch int16
			part  int32
			want  error
		}{
			{"in txn", "tx", pid, epoch, 0, nil},
			{"not in txn", "tx", pid, epoch, 1, kerr.InvalidTxnState},
			{"old epoch", "tx", pid, epoch - 1, 0, kerr.InvalidProducerEpoch},
			{"other pid", "tx", pid + 1, epoch, 0, kerr.InvalidProducerIDMapping},
			{"unknown id", "nope", pid, epoch, 0, kerr.InvalidProducerIDMapping},
		} {
			if err := h.c.Verify(tc.id, tc.pid, tc.epoch, "orders", tc.part); !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		wantCode(t, "EndTxn", h.end("tx", 3, pid, epoch, true), 0)
		if err := h.c.Verify("tx", pid, epoch, "orders", 0); !errors.Is(err, kerr.InvalidTxnState) {
			t.Errorf("while committing: %v", err)
		}
		close(h.markers.block)
		synctest.Wait()
		if err := h.c.Verify("tx", pid, epoch, "orders", 0); !errors.Is(err, kerr.InvalidTxnState) {
			t.Errorf("after commit: %v", err)
		}
		h.c.UnloadPartition(0)
		if err := h.c.Verify("tx", pid, epoch, "orders", 0); !errors.Is(err, kerr.NotEnoughReplicas) {
			t.Errorf("not coordinator: %v", err)
		}
	})
}
