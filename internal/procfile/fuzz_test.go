package procfile

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"testing"
)

// exported is what the build exports for procs in SLIPWAY_PROCESSES.
func exported(procs map[string]string) string {
	b, _ := json.Marshal(procs)
	return base64.StdEncoding.EncodeToString(b)
}

// FuzzDecodeExported: the processes a build reports (SLIPWAY_PROCESSES).
// No value panics; what is accepted passes Validate and round-trips
// through the export encoding unchanged; and for any Procfile Parse
// accepts, decoding its export gives back exactly its processes (the build
// and the pipeline agree).
func FuzzDecodeExported(f *testing.F) {
	f.Add(exported(map[string]string{"web": "bin/web --port $PORT", "worker": "bin/worker"}), []byte("web: bin/web\nworker: bin/worker\n"))
	f.Add("", []byte(""))
	f.Add("e30=", []byte("# nothing\n"))
	f.Add("e30", []byte("web:\n"))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"Web":"x"}`)), []byte("Web: x"))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"web":" x "}`)), []byte("web:  x \r\n"))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"web":"a\u0000b"}`)), []byte("web: a\x00b"))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"web":1}`)), []byte("web: a\tb"))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"web":"x","web":"y"}`)), []byte("web: x\nweb: y"))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`null`)), []byte("a: b: c"))
	f.Fuzz(func(t *testing.T, value string, procfile []byte) {
		procs, err := DecodeExported(value)
		if err == nil {
			if err := Validate(procs); err != nil {
				t.Fatalf("DecodeExported accepted what Validate rejects: %v", err)
			}
			again, err := DecodeExported(exported(procs))
			if err != nil || !maps.Equal(again, procs) {
				t.Fatalf("round trip of %v: %v, %v", procs, again, err)
			}
		}
		parsed, err := Parse(procfile)
		if err != nil {
			return
		}
		got, err := DecodeExported(exported(parsed))
		if err != nil || !maps.Equal(got, parsed) {
			t.Fatalf("Procfile %q parses to %v, its export decodes to %v, %v", procfile, parsed, got, err)
		}
	})
}
