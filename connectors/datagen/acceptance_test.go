package datagen_test

import (
	"testing"

	"github.com/sluicehq/sluice/connectors/datagen"
	"github.com/sluicehq/sluice/plugins/sdk/sdktest"
)

func TestAcceptance(t *testing.T) {
	t.Run("count", func(t *testing.T) {
		sdktest.RunSource(t, datagen.New(), map[string]string{"topic": "users", "count": "5000", "batch.size": "300"},
			sdktest.SourceOptions{Want: 5000, CommitAt: 1234, Replayable: true})
	})
	t.Run("unbounded", func(t *testing.T) {
		sdktest.RunSource(t, datagen.New(), map[string]string{"topic": "orders", "schema": "orders", "seed": "9"},
			sdktest.SourceOptions{Want: 3000, Replayable: true})
	})
	t.Run("two tasks", func(t *testing.T) {
		sdktest.RunSource(t, datagen.New(), map[string]string{"topic": "b", "schema": "bytes100", "count": "4000", "records.per.second": "200000"},
			sdktest.SourceOptions{Want: 2000, MaxTasks: 2, Replayable: true})
	})
}
