package txn

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Every response encodes, and decodes back, at every version served.
func TestResponsesEncodeAtEveryVersion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ctx := context.Background()
		id := "tx"
		check := func(name string, v int16, resp kmsg.Response) {
			t.Helper()
			if resp.GetVersion() != v {
				t.Fatalf("%s v%d: response version %d", name, v, resp.GetVersion())
			}
			b := resp.AppendTo(nil)
			back := resp.RequestKind().ResponseKind() // a fresh response of the same key
			back.SetVersion(v)
			if err := back.ReadFrom(b); err != nil {
				t.Fatalf("%s v%d: %v", name, v, err)
			}
		}
		var pid int64
		var epoch int16
		for v := int16(0); v <= InitProducerIDMaxVersion; v++ {
			req := kmsg.NewPtrInitProducerIDRequest()
			req.Version, req.TransactionalID, req.TransactionTimeoutMillis = v, &id, 60000
			resp := h.c.InitProducerID(ctx, req)
			pid, epoch = resp.ProducerID, resp.ProducerEpoch
			check("InitProducerId", v, resp)
		}
		for v := int16(0); v <= AddPartitionsToTxnMaxVersion; v++ {
			req := kmsg.NewPtrAddPartitionsToTxnRequest()
			req.Version = v
			if v < 4 {
				req.TransactionalID, req.ProducerID, req.ProducerEpoch = id, pid, epoch
				rt := kmsg.NewAddPartitionsToTxnRequestTopic()
				rt.Topic, rt.Partitions = "orders", []int32{int32(v)}
				req.Topics = append(req.Topics, rt)
			} else {
				tx := kmsg.NewAddPartitionsToTxnRequestTransaction()
				tx.TransactionalID, tx.ProducerID, tx.ProducerEpoch, tx.VerifyOnly = id, pid, epoch, v == 5
				rt := kmsg.NewAddPartitionsToTxnRequestTransactionTopic()
				rt.Topic, rt.Partitions = "orders", []int32{0, 9}
				tx.Topics = append(tx.Topics, rt)
				req.Transactions = append(req.Transactions, tx)
			}
			check("AddPartitionsToTxn", v, h.c.AddPartitionsToTxn(ctx, req))
		}
		for v := int16(0); v <= AddOffsetsToTxnMaxVersion; v++ {
			req := kmsg.NewPtrAddOffsetsToTxnRequest()
			req.Version, req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Group = v, id, pid, epoch, "g"
			check("AddOffsetsToTxn", v, h.c.AddOffsetsToTxn(ctx, req))
		}
		for v := int16(0); v <= DescribeTransactionsMaxVersion; v++ {
			req := kmsg.NewPtrDescribeTransactionsRequest()
			req.Version, req.TransactionalIDs = v, []string{id, "nope"}
			check("DescribeTransactions", v, h.c.DescribeTransactions(ctx, req))
		}
		for v := int16(0); v <= ListTransactionsMaxVersion; v++ {
			req := kmsg.NewPtrListTransactionsRequest()
			req.Version, req.StateFilters = v, []string{"Ongoing", "Weird"}
			check("ListTransactions", v, h.c.ListTransactions(ctx, req))
		}
		for v := int16(0); v <= EndTxnMaxVersion; v++ {
			req := kmsg.NewPtrEndTxnRequest()
			req.Version, req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit = v, id, pid, epoch, true
			check("EndTxn", v, h.c.EndTxn(ctx, req))
			synctest.Wait()
		}
	})
}
