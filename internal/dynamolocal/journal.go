package dynamolocal

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The journal file: a header line, then one record per acknowledged write
// request, each framed as
//
//	uint32 big-endian payload length | uint32 big-endian CRC-32C of the payload | payload
//
// where the payload is the operation name (the last part of X-Amz-Target),
// a newline and the request body exactly as the client sent it. A record
// that is short or fails its checksum can only be the torn tail of a write
// that was never acknowledged; it and anything after it are dropped.
const (
	journalFile   = "journal"
	journalHeader = "slipway dynamodb journal v1\n"
	lockFile      = "LOCK"
	// maxRecord bounds one request body (DynamoDB's own limit is 16 MB).
	maxRecord = 32 << 20
	// batchSize is the number of items per BatchWriteItem record a
	// compaction writes (DynamoDB's limit).
	batchSize = 25
	// targetPrefix is what the SDK puts before the operation name.
	targetPrefix = "DynamoDB_20120810."
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// compactSlack is how many records beyond twice the compacted size the
// journal may grow before it is compacted while running: the emulator
// sorts its keys on every new item, so replaying items in journal order
// costs far more than replaying them in key order, as a compacted journal
// holds them. A variable so that a test can lower it.
var compactSlack = 2000

// readOnly are the operations that change nothing: they are served
// without the journal. Every other operation is a write: journaled when
// the emulator acknowledges it, so an operation the emulator learns later
// is kept too.
var readOnly = map[string]bool{
	"GetItem": true, "BatchGetItem": true, "Query": true, "Scan": true, "TransactGetItems": true,
	"DescribeTable": true, "ListTables": true, "DescribeTimeToLive": true, "DescribeContinuousBackups": true,
	"ListTagsOfResource": true, "DescribeLimits": true, "DescribeEndpoints": true,
}

// itemWrites are the write operations whose effect is on items only: a
// compaction replaces them by the items a Scan reads back. Every other
// write is a table-level operation, kept verbatim (until its table is
// deleted).
var itemWrites = map[string]bool{
	"PutItem": true, "UpdateItem": true, "DeleteItem": true, "BatchWriteItem": true, "TransactWriteItems": true,
}

// journaled is the persistent server's handler: reads go straight to the
// emulator, writes are applied one at a time and acknowledged only once
// their record is on disk.
type journaled struct {
	emu  http.Handler
	dir  string
	lock *os.File

	// mu orders writes: a write holds it exclusively from the moment it
	// is applied until its record is synced, so the journal's order is
	// the order the emulator applied them in, and no read sees a write
	// that is not yet durable.
	mu      sync.RWMutex
	f       *os.File
	records int   // records in the journal
	size    int64 // bytes in the journal
	base    int   // records the last compaction wrote (or would have)
	checked int   // records when compaction was last considered
	// tableOps holds the table-level write records per table name, in
	// order: what a compaction keeps before the items.
	tableOps map[string][]record
	// failed is set when the journal could not be written: the emulator
	// then holds a write the disk does not, and every later request is
	// refused rather than acknowledged.
	failed error
	// closed is set once close began: no background compaction starts
	// after it.
	closed bool

	compacting atomic.Bool
	background sync.WaitGroup
}

type record struct {
	op   string
	body []byte
}

func openJournal(dir string, emu http.Handler) (*journaled, Restored, error) {
	start := time.Now()
	var restored Restored
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, restored, fmt.Errorf("dynamolocal: data directory: %w", err)
	}
	lock, err := lockDir(filepath.Join(dir, lockFile))
	if err != nil {
		return nil, restored, err
	}
	j := &journaled{emu: emu, dir: dir, lock: lock, tableOps: map[string][]record{}}
	fail := func(err error) (*journaled, Restored, error) {
		if j.f != nil {
			_ = j.f.Close()
		}
		_ = unlockDir(lock)
		return nil, restored, err
	}
	path := filepath.Join(dir, journalFile)
	j.f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fail(fmt.Errorf("dynamolocal: opening the journal: %w", err))
	}
	info, err := j.f.Stat()
	if err != nil {
		return fail(err)
	}
	if info.Size() == 0 {
		if _, err := j.f.WriteString(journalHeader); err != nil {
			return fail(err)
		}
		if err := j.f.Sync(); err != nil {
			return fail(err)
		}
		if err := syncDir(dir); err != nil {
			return fail(err)
		}
		j.size = int64(len(journalHeader))
	} else {
		good, err := j.replay(info.Size())
		if err != nil {
			return fail(fmt.Errorf("dynamolocal: restoring %s: %w", path, err))
		}
		if good < info.Size() {
			restored.Discarded = info.Size() - good
			if err := j.f.Truncate(good); err != nil {
				return fail(err)
			}
			if err := j.f.Sync(); err != nil {
				return fail(err)
			}
		}
		j.size = good
	}
	if _, err := j.f.Seek(j.size, io.SeekStart); err != nil {
		return fail(err)
	}
	restored.Records = j.records
	if err := j.compact(); err != nil {
		return fail(err)
	}
	restored.Bytes, restored.Took = j.size, time.Since(start)
	return j, restored, nil
}

// replay applies every intact record to the emulator and returns the
// offset just past the last one.
func (j *journaled) replay(size int64) (int64, error) {
	r := bufio.NewReaderSize(io.NewSectionReader(j.f, 0, size), 1<<20)
	header := make([]byte, len(journalHeader))
	if _, err := io.ReadFull(r, header); err != nil || string(header) != journalHeader {
		return 0, errors.New("not a Slipway journal (unknown header); move it away or run in memory")
	}
	offset := int64(len(header))
	for {
		rec, n, err := readRecord(r)
		if err != nil {
			return offset, nil // the end, or a torn tail
		}
		if err := j.replayRecord(rec); err != nil {
			return 0, fmt.Errorf("record %d (%s) was acknowledged but the emulator now refuses it: %w; "+
				"move the directory away or run in memory", j.records+1, rec.op, err)
		}
		j.noteTableOp(rec)
		j.records++
		offset += n
	}
}

// replayRecord applies one journaled write. A transaction is applied as
// its Put, Update and Delete one after the other, conditions included: it
// succeeded when it was written, so its conditions hold again on the same
// state, and no two of its parts touch one item (DynamoDB refuses that).
// The emulator copies the whole table for every transaction, so this
// keeps a replay linear in the journal's size.
func (j *journaled) replayRecord(rec record) error {
	parts := []record{rec}
	if rec.op == "TransactWriteItems" {
		var tx struct{ TransactItems []map[string]json.RawMessage }
		if err := json.Unmarshal(rec.body, &tx); err != nil {
			return err
		}
		parts = parts[:0]
		for _, item := range tx.TransactItems {
			for kind, body := range item {
				if op, ok := transactParts[kind]; ok {
					parts = append(parts, record{op: op, body: body})
				} else if kind != "ConditionCheck" {
					return fmt.Errorf("unknown transaction part %q", kind)
				}
			}
		}
	}
	for _, part := range parts {
		if status, resp := j.apply(part.op, part.body); status != http.StatusOK {
			return fmt.Errorf("%s: %d %s", part.op, status, bytes.TrimSpace(resp))
		}
	}
	return nil
}

// transactParts maps the parts of a TransactWriteItems request to the
// single-item operation with the same fields.
var transactParts = map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}

func readRecord(r io.Reader) (record, int64, error) {
	var frame [8]byte
	if _, err := io.ReadFull(r, frame[:]); err != nil {
		return record{}, 0, err
	}
	length, sum := binary.BigEndian.Uint32(frame[:4]), binary.BigEndian.Uint32(frame[4:])
	if length > maxRecord+64 {
		return record{}, 0, errors.New("record too long")
	}
	payload := make([]byte, length)
	if _, err := io.ReadFull(r, payload); err != nil {
		return record{}, 0, err
	}
	if crc32.Checksum(payload, castagnoli) != sum {
		return record{}, 0, errors.New("checksum mismatch")
	}
	op, body, ok := bytes.Cut(payload, []byte("\n"))
	if !ok {
		return record{}, 0, errors.New("record without an operation")
	}
	return record{op: string(op), body: body}, int64(len(frame)) + int64(length), nil
}

func encodeRecord(buf *bytes.Buffer, rec record) {
	payload := make([]byte, 0, len(rec.op)+1+len(rec.body))
	payload = append(append(append(payload, rec.op...), '\n'), rec.body...)
	var frame [8]byte
	binary.BigEndian.PutUint32(frame[:4], uint32(len(payload)))
	binary.BigEndian.PutUint32(frame[4:], crc32.Checksum(payload, castagnoli))
	buf.Write(frame[:])
	buf.Write(payload)
}

// ServeHTTP serves reads from the emulator and writes through the journal.
func (j *journaled) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := operation(r.Header.Get("X-Amz-Target"))
	if r.Method != http.MethodPost || readOnly[op] {
		j.mu.RLock()
		defer j.mu.RUnlock()
		if j.failed != nil {
			writeFailure(w, j.failed)
			return
		}
		j.emu.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRecord+1))
	if err != nil {
		return // the client went away
	}
	if len(body) > maxRecord {
		writeError(w, http.StatusRequestEntityTooLarge, "ValidationException", "request body over the local limit of 32 MiB")
		return
	}
	status, resp, refusal, compact := j.write(op, body)
	if refusal != nil {
		writeFailure(w, refusal)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_, _ = w.Write(resp)
	if compact {
		j.background.Go(func() {
			defer j.compacting.Store(false)
			if err := j.compactNow(); err != nil {
				slog.Warn("embedded DynamoDB journal compaction failed", "error", err.Error())
			}
		})
	}
}

// write applies one write request and, when the emulator acknowledges
// it, journals it before returning the answer. refusal is set when
// nothing may be acknowledged; compact when the journal has grown enough
// to be compacted (and this caller has claimed that job).
func (j *journaled) write(op string, body []byte) (status int, resp []byte, refusal error, compact bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failed != nil {
		return 0, nil, j.failed, false
	}
	if j.closed {
		return 0, nil, errors.New("dynamolocal: the server is closing"), false
	}
	status, resp = j.apply(op, body)
	if status != http.StatusOK {
		return status, resp, nil, false // refused: no effect to keep
	}
	if err := j.append(record{op: op, body: body}); err != nil {
		j.failed = fmt.Errorf("dynamolocal: the journal could not be written, so nothing more is acknowledged (restart to recover what was): %w", err)
		slog.Error("embedded DynamoDB journal failed", "error", err.Error())
		return 0, nil, j.failed, false
	}
	compact = !j.closed && j.records > 2*j.base+compactSlack && j.records > j.checked+compactSlack &&
		j.compacting.CompareAndSwap(false, true)
	return status, resp, nil, compact
}

func operation(target string) string {
	if i := strings.LastIndexByte(target, '.'); i >= 0 {
		return target[i+1:]
	}
	return target
}

// apply serves one request to the emulator and returns its answer.
func (j *journaled) apply(op string, body []byte) (int, []byte) {
	req, _ := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	var rw bufferedResponse
	j.emu.ServeHTTP(&rw, req)
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	return rw.status, rw.body.Bytes()
}

// append writes one record and syncs it; mu is held.
func (j *journaled) append(rec record) error {
	var buf bytes.Buffer
	encodeRecord(&buf, rec)
	if _, err := j.f.Write(buf.Bytes()); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.noteTableOp(rec)
	j.records++
	j.size += int64(buf.Len())
	return nil
}

// noteTableOp remembers a table-level operation for compactions.
func (j *journaled) noteTableOp(rec record) {
	if itemWrites[rec.op] {
		return
	}
	var named struct{ TableName string }
	_ = json.Unmarshal(rec.body, &named)
	if rec.op == "DeleteTable" {
		delete(j.tableOps, named.TableName)
		return
	}
	j.tableOps[named.TableName] = append(j.tableOps[named.TableName], rec)
}

// compactNow compacts the journal if that pays, holding mu.
func (j *journaled) compactNow() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failed != nil {
		return nil
	}
	return j.compact()
}

// compact rewrites the journal as the table-level operations followed by
// every item the emulator holds, in BatchWriteItem records, when that is
// less than half the journal: written to a temporary file, synced, and
// renamed over the journal. mu is held (or the journal is not serving
// yet).
func (j *journaled) compact() error {
	var recs []record
	names := make([]string, 0, len(j.tableOps))
	for name := range j.tableOps {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		recs = append(recs, j.tableOps[name]...)
	}
	for _, name := range names {
		if name == "" {
			continue
		}
		items, err := j.scan(name)
		if err != nil {
			return fmt.Errorf("dynamolocal: compacting the journal: %w", err)
		}
		for len(items) > 0 {
			n := min(batchSize, len(items))
			recs = append(recs, batchRecord(name, items[:n]))
			items = items[n:]
		}
	}
	j.checked = j.records
	if j.records <= 2*len(recs) {
		j.base = len(recs)
		return nil
	}
	var buf bytes.Buffer
	buf.WriteString(journalHeader)
	for _, rec := range recs {
		encodeRecord(&buf, rec)
	}
	tmp := filepath.Join(j.dir, journalFile+".compact")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := os.Rename(tmp, filepath.Join(j.dir, journalFile)); err != nil {
		_ = f.Close()
		return err
	}
	old := j.f
	j.f, j.records, j.base, j.checked, j.size = f, len(recs), len(recs), len(recs), int64(buf.Len())
	_ = old.Close()
	if err := syncDir(j.dir); err != nil {
		// The rename may not be durable: the next writes could be lost.
		j.failed = fmt.Errorf("dynamolocal: compacted journal not durable: %w", err)
		return j.failed
	}
	return nil
}

// scan reads every item of a table from the emulator, as raw wire JSON.
func (j *journaled) scan(table string) ([]json.RawMessage, error) {
	var items []json.RawMessage
	var start json.RawMessage
	for {
		req := map[string]any{"TableName": table, "Limit": 1000}
		if start != nil {
			req["ExclusiveStartKey"] = start
		}
		body, _ := json.Marshal(req)
		status, resp := j.apply("Scan", body)
		if status != http.StatusOK {
			return nil, fmt.Errorf("scanning %s: %d %s", table, status, bytes.TrimSpace(resp))
		}
		var page struct {
			Items            []json.RawMessage
			LastEvaluatedKey json.RawMessage
		}
		if err := json.Unmarshal(resp, &page); err != nil {
			return nil, fmt.Errorf("scanning %s: %w", table, err)
		}
		items = append(items, page.Items...)
		if len(page.LastEvaluatedKey) == 0 || string(page.LastEvaluatedKey) == "null" || string(page.LastEvaluatedKey) == "{}" {
			return items, nil
		}
		start = page.LastEvaluatedKey
	}
}

func batchRecord(table string, items []json.RawMessage) record {
	type put struct {
		PutRequest struct{ Item json.RawMessage }
	}
	puts := make([]put, len(items))
	for i, it := range items {
		puts[i].PutRequest.Item = it
	}
	body, _ := json.Marshal(map[string]any{"RequestItems": map[string][]put{table: puts}})
	return record{op: "BatchWriteItem", body: body}
}

// close waits for a running compaction, compacts if that pays, and
// releases the directory.
func (j *journaled) close() error {
	j.mu.Lock()
	j.closed = true
	j.mu.Unlock()
	j.background.Wait()
	j.mu.Lock()
	defer j.mu.Unlock()
	var err error
	if j.failed == nil {
		err = j.compact()
	}
	return errors.Join(err, j.f.Close(), unlockDir(j.lock))
}

// bufferedResponse is an http.ResponseWriter that keeps the emulator's
// answer until the write it answers is durable.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header {
	if b.header == nil {
		b.header = http.Header{}
	}
	return b.header
}

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func writeFailure(w http.ResponseWriter, err error) {
	writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// syncDir makes a directory entry just created or renamed durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
