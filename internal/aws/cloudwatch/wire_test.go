package cloudwatch

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/platform"
)

// recorded is what moto answered for testdata/getmetricdata-request.form
// (see moto_test.go for how the data was put): web with 2 pods from 10:00,
// worker with 1 pod from 10:05 and 3 restarts.
var recorded = map[time.Time]platform.Usage{
	at(0): {CPUMillicores: 410, MemoryBytes: 601_000_000, Pods: 2},
	at(5): {CPUMillicores: 460, MemoryBytes: 701_000_000, Pods: 3, Restarts: 3},
}

// recordedWindow and recordedApp are those of the recording.
var recordedWindow = platform.UsageWindow{Start: start, End: at(15), Step: 5 * time.Minute}

func recordedApp() platform.Application { return app("web", "worker", "release") }

// wireServer answers each request with the next body of answers (the last
// repeats) and records the requests.
type wireServer struct {
	t       *testing.T
	check   func(*http.Request, []byte)
	answers []string
	mu      sync.Mutex
	bodies  [][]byte
}

func (s *wireServer) start(contentType string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, body)
		answer := s.answers[min(len(s.bodies), len(s.answers))-1]
		s.mu.Unlock()
		s.check(r, body)
		w.Header().Set("Content-Type", contentType)
		_, _ = io.WriteString(w, answer)
	}))
	s.t.Cleanup(srv.Close)
	return srv
}

func usageByTime(t *testing.T, points []platform.UsagePoint) map[time.Time]platform.Usage {
	t.Helper()
	got := map[time.Time]platform.Usage{}
	for _, p := range points {
		got[p.Time] = *p.Usage
	}
	return got
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// The query protocol, against responses recorded from moto: the request
// is byte for byte the one moto accepted, one HTTP round trip per page.
func TestQueryProtocolRecorded(t *testing.T) {
	wantForm := readFile(t, "testdata/getmetricdata-request.form")
	for _, tc := range []struct {
		name    string
		answers []string
	}{
		{"one page, one round trip", []string{readFile(t, "testdata/getmetricdata-moto.xml")}},
		{"two pages", []string{readFile(t, "testdata/getmetricdata-page-1.xml"), readFile(t, "testdata/getmetricdata-page-2.xml")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &wireServer{t: t, answers: tc.answers}
			s.check = func(r *http.Request, body []byte) {
				if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
					!strings.Contains(r.Header.Get("Authorization"), "/monitoring/aws4_request") {
					t.Errorf("request %s %s %v", r.Method, r.URL.Path, r.Header)
				}
			}
			srv := s.start("text/xml")
			client := NewClient(awsconf.FromEnv(), srv.URL, func(o *cloudwatch.Options) { o.RetryMaxAttempts = 1 })
			points, err := Source{Client: client, ClusterName: "slipway"}.History(context.Background(), recordedApp(), recordedWindow)
			if err != nil {
				t.Fatal(err)
			}
			if got := usageByTime(t, points); !reflect.DeepEqual(got, recorded) {
				t.Fatalf("points %+v, want %+v", got, recorded)
			}
			if len(s.bodies) != len(tc.answers) {
				t.Fatalf("%d round trips, want %d", len(s.bodies), len(tc.answers))
			}
			if string(s.bodies[0]) != wantForm {
				t.Fatalf("request body differs from the recording:\n%s\nwant\n%s", s.bodies[0], wantForm)
			}
			if len(s.bodies) > 1 {
				form, _ := url.ParseQuery(string(s.bodies[1]))
				if form.Get("NextToken") != "tok-2" || form.Get("Action") != "GetMetricData" || form.Get("MetricDataQueries.member.8.Id") != "restarts_1" {
					t.Fatalf("second page request: %v", form)
				}
			}
		})
	}
}

// The SDK's default protocol, Smithy RPC v2 CBOR, is what the Lambda
// speaks to AWS: the same request, decoded from CBOR, and a CBOR answer.
func TestDefaultProtocolCBOR(t *testing.T) {
	ts := func(m int) cbor.Value { return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(at(m).Unix()))} }
	series := func(id string, values map[int]float64) cbor.Value {
		var times, vals cbor.List
		for _, m := range []int{0, 5, 10} {
			if v, ok := values[m]; ok {
				times, vals = append(times, ts(m)), append(vals, cbor.Float64(v))
			}
		}
		return cbor.Map{"Id": cbor.String(id), "Timestamps": times, "Values": vals, "StatusCode": cbor.String("Complete")}
	}
	answer := cbor.Encode(cbor.Map{"MetricDataResults": cbor.List{
		series("cpu_0", map[int]float64{0: 2050, 5: 2050}), series("pods_0", map[int]float64{0: 10, 5: 10}),
		series("mem_0", map[int]float64{0: 3_005_000_000, 5: 3_005_000_000}), series("restarts_0", map[int]float64{0: 0, 5: 0}),
		series("cpu_1", map[int]float64{5: 250}), series("pods_1", map[int]float64{5: 5}),
		series("mem_1", map[int]float64{5: 500_000_000}), series("restarts_1", map[int]float64{5: 3}),
	}})
	s := &wireServer{t: t, answers: []string{string(answer)}}
	s.check = func(r *http.Request, body []byte) {
		if r.URL.Path != "/service/GraniteServiceVersion20100801/operation/GetMetricData" || r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
			t.Errorf("request %s %v", r.URL.Path, r.Header)
		}
		v, err := cbor.Decode(body)
		if err != nil {
			t.Fatalf("request body is not CBOR: %v", err)
		}
		in := v.(cbor.Map)
		start, _ := cbor.AsTime(in["StartTime"])
		queries := in["MetricDataQueries"].(cbor.List)
		first := queries[0].(cbor.Map)
		stat := first["MetricStat"].(cbor.Map)
		if !start.Equal(recordedWindow.Start) || len(queries) != 8 || first["Id"] != cbor.String("cpu_0") || stat["Stat"] != cbor.String("Sum") {
			t.Errorf("request %v", in)
		}
	}
	srv := s.start("application/cbor")
	client := cloudwatch.NewFromConfig(awsconf.FromEnv(), func(o *cloudwatch.Options) {
		o.BaseEndpoint, o.RetryMaxAttempts = aws.String(srv.URL), 1
	})
	points, err := Source{Client: client, ClusterName: "slipway"}.History(context.Background(), recordedApp(), recordedWindow)
	if err != nil {
		t.Fatal(err)
	}
	if got := usageByTime(t, points); !reflect.DeepEqual(got, recorded) || len(s.bodies) != 1 {
		t.Fatalf("points %+v after %d round trips, want %+v after 1", got, len(s.bodies), recorded)
	}
}
