//go:build unix

package dynamolocal_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/dynamolocal"
)

// BenchmarkRestart10k measures a restart of the persistent server holding
// 10,000 items of about 1 KiB (the size of an application document),
// journaled as the store writes them — 5,000 transactions of two
// conditional Puts — by a process killed before any compaction: the
// replay of that journal (which compacts it), then a second restart from
// the compacted journal. It reports both durations and the journal's
// size before and after.
func BenchmarkRestart10k(b *testing.B) {
	dir := b.TempDir()
	srv, _ := open(b, dir) // journals CreateTable
	srv.Crash()
	doc := strings.Repeat("x", 1000)
	var recs [][2]string
	for i := range 5000 {
		put := func(pk string, extra map[string]any) map[string]any {
			item := map[string]any{"PK": map[string]string{"S": pk}, "SK": map[string]string{"S": "APP"}, "doc": map[string]string{"S": doc},
				"version": map[string]string{"N": "1"}}
			for k, v := range extra {
				item[k] = v
			}
			return map[string]any{"Put": map[string]any{"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}
		}
		body, _ := json.Marshal(map[string]any{"TransactItems": []any{
			put(fmt.Sprintf("APP#%d", i), map[string]any{"GSI1PK": map[string]string{"S": "APPS#demo/demo"}, "GSI1SK": map[string]string{"S": fmt.Sprint("APP#", i)}}),
			put(fmt.Sprintf("SLUG#APP#demo/demo/%d", i), nil),
		}})
		recs = append(recs, [2]string{"TransactWriteItems", string(body)})
	}
	if err := dynamolocal.AppendRecords(dir, recs); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "journal")
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	size := func() float64 {
		info, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		return float64(info.Size()) / (1 << 20)
	}
	journalMiB := size()
	for b.Loop() {
		t0, c0 := time.Now(), cpu()
		srv, err := dynamolocal.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		replayed, replayedCPU := time.Since(t0), cpu()-c0
		b.StopTimer()
		if srv.Restored.Records != 5001 {
			b.Fatalf("replayed %d records", srv.Restored.Records)
		}
		compacted := size()
		srv.Crash()
		t1, c1 := time.Now(), cpu()
		if srv, err = dynamolocal.Open(dir); err != nil {
			b.Fatal(err)
		}
		fromCompacted, fromCompactedCPU := time.Since(t1), cpu()-c1
		srv.Crash()
		b.ReportMetric(float64(replayed.Milliseconds()), "ms-replay")
		b.ReportMetric(float64(fromCompacted.Milliseconds()), "ms-compacted")
		b.ReportMetric(compacted, "MiB-compacted")
		b.ReportMetric(journalMiB, "MiB-journal")
		b.ReportMetric(float64(replayedCPU.Milliseconds()), "ms-cpu-replay")
		b.ReportMetric(float64(fromCompactedCPU.Milliseconds()), "ms-cpu-compacted")
		if err := os.WriteFile(path, raw, 0o600); err != nil { // the next round starts uncompacted again
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// cpu is the CPU time the process has used (the machine may be shared, so
// wall time alone says little).
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
