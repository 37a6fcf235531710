package dynamolocal

import (
	"bytes"
	"os"
	"path/filepath"
)

// Crash stops serving and lets go of the directory the way a killed
// process does: no compaction, nothing written beyond what was
// acknowledged.
func (s *Server) Crash() {
	_ = s.srv.Close()
	_ = s.journal.f.Close()
	_ = unlockDir(s.journal.lock)
}

// BreakJournal closes the journal's file under the server, so the next
// write cannot be journaled.
func (s *Server) BreakJournal() { _ = s.journal.f.Close() }

// JournalRecords is the number of records in the journal.
func (s *Server) JournalRecords() int {
	s.journal.mu.RLock()
	defer s.journal.mu.RUnlock()
	return s.journal.records
}

// AppendRecords appends records (operation, body) to the journal in dir,
// as the server writes them.
func AppendRecords(dir string, recs [][2]string) error {
	var buf bytes.Buffer
	for _, r := range recs {
		encodeRecord(&buf, record{op: r[0], body: []byte(r[1])})
	}
	f, err := os.OpenFile(filepath.Join(dir, journalFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(buf.Bytes())
	return err
}

// SetCompactSlack lowers the growth that triggers a compaction while
// running, for the duration of a test.
func SetCompactSlack(t interface{ Cleanup(func()) }, n int) {
	old := compactSlack
	compactSlack = n
	t.Cleanup(func() { compactSlack = old })
}

// WaitCompaction waits for a background compaction to end.
func (s *Server) WaitCompaction() { s.journal.background.Wait() }
