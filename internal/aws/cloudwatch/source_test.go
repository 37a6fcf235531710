package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/platform"
)

// fakeAPI answers GetMetricData from pages, in order (the last repeats),
// and records every request.
type fakeAPI struct {
	pages    []*cloudwatch.GetMetricDataOutput
	err      error
	requests []cloudwatch.GetMetricDataInput
}

func (f *fakeAPI) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	f.requests = append(f.requests, *in)
	if f.err != nil {
		return nil, f.err
	}
	page := f.pages[min(len(f.requests), len(f.pages))-1]
	return page, nil
}

var start = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// app runs web, worker and a one-off release process in acme/shop.
func app(processes ...string) platform.Application {
	procs := map[string]string{}
	for _, p := range processes {
		procs[p] = "run " + p
	}
	return platform.Application{ID: "01936f4e-7c1a-7000-8000-000000000001", Slug: "web", ProjectSlug: "shop", OrganizationSlug: "acme",
		LatestRelease: &platform.Release{Processes: procs}}
}

func result(id string, status types.StatusCode, values map[time.Time]float64) types.MetricDataResult {
	r := types.MetricDataResult{Id: aws.String(id), StatusCode: status}
	times := make([]time.Time, 0, len(values))
	for t := range values {
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	for _, t := range times {
		r.Timestamps, r.Values = append(r.Timestamps, t), append(r.Values, values[t])
	}
	return r
}

func at(min int) time.Time { return start.Add(time.Duration(min) * time.Minute) }

func TestQuery(t *testing.T) {
	rng, _ := platform.ParseObservabilityRange("24h")
	w := rng.WindowAt(time.Date(2026, 12, 1, 0, 0, 30, 0, time.UTC))
	long := app("web", "worker-with-a-rather-long-name-for-its-deployment", "release")
	long.ProjectSlug, long.Slug = "storefront", "checkout"
	in, err := Source{ClusterName: "slipway-prod"}.Query(long, w)
	if err != nil {
		t.Fatal(err)
	}
	if !in.StartTime.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) || !in.EndTime.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) ||
		in.ScanBy != types.ScanByTimestampAscending || in.NextToken != nil || in.MaxDatapoints != nil {
		t.Fatalf("input %+v", in)
	}
	longPod := kube.ObjectName("storefront-checkout", "worker-with-a-rather-long-name-for-its-deployment")
	if len(longPod) > 63 || !strings.HasPrefix(longPod, "storefront-checkout-worker") {
		t.Fatalf("the Deployment name is not shortened as the Kubernetes adapter does: %s", longPod)
	}
	var got []string
	for _, q := range in.MetricDataQueries {
		ms := q.MetricStat
		var dims []string
		for _, d := range ms.Metric.Dimensions {
			dims = append(dims, *d.Name+"="+*d.Value)
		}
		got = append(got, fmt.Sprintf("%s %s %s/%s %s %d %v", *q.Id, *q.Label, *ms.Metric.Namespace, *ms.Metric.MetricName, *ms.Stat, *ms.Period, dims))
		if !*q.ReturnData || q.Expression != nil || ms.Unit != "" {
			t.Errorf("query %s: %+v", *q.Id, q)
		}
	}
	webDims := "[ClusterName=slipway-prod Namespace=slipway-acme PodName=storefront-checkout-web]"
	workerDims := "[ClusterName=slipway-prod Namespace=slipway-acme PodName=" + longPod + "]"
	want := []string{
		"cpu_0 web cpu ContainerInsights/pod_cpu_usage_total Sum 300 " + webDims,
		"pods_0 web pods ContainerInsights/pod_cpu_usage_total SampleCount 300 " + webDims,
		"mem_0 web mem ContainerInsights/pod_memory_working_set Sum 300 " + webDims,
		"restarts_0 web restarts ContainerInsights/pod_number_of_container_restarts Sum 300 " + webDims,
		"cpu_1 worker-with-a-rather-long-name-for-its-deployment cpu ContainerInsights/pod_cpu_usage_total Sum 300 " + workerDims,
		"pods_1 worker-with-a-rather-long-name-for-its-deployment pods ContainerInsights/pod_cpu_usage_total SampleCount 300 " + workerDims,
		"mem_1 worker-with-a-rather-long-name-for-its-deployment mem ContainerInsights/pod_memory_working_set Sum 300 " + workerDims,
		"restarts_1 worker-with-a-rather-long-name-for-its-deployment restarts ContainerInsights/pod_number_of_container_restarts Sum 300 " + workerDims,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("queries:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestNothingRunsNoRequest(t *testing.T) {
	w := platform.UsageWindow{Start: start, End: at(60), Step: time.Minute}
	noRelease := app()
	noRelease.LatestRelease = nil
	for name, tc := range map[string]struct {
		app     platform.Application
		cluster string
	}{
		"no release":             {noRelease, "c"},
		"only one-off processes": {app("release", "migrate"), "c"},
		"no cluster configured":  {app("web"), ""},
	} {
		api := &fakeAPI{}
		points, err := Source{Client: api, ClusterName: tc.cluster}.History(context.Background(), tc.app, w)
		if err != nil || points != nil || len(api.requests) != 0 {
			t.Errorf("%s: %v, %v, %d requests", name, points, err, len(api.requests))
		}
	}
}

func TestHistory(t *testing.T) {
	w := platform.UsageWindow{Start: start, End: at(15), Step: 5 * time.Minute}
	for _, tc := range []struct {
		name     string
		interval time.Duration
		pages    []*cloudwatch.GetMetricDataOutput
		want     map[time.Time]platform.Usage
		requests int
	}{
		{"one page: sums over processes, divided by the reports in a step", 0, []*cloudwatch.GetMetricDataOutput{{MetricDataResults: []types.MetricDataResult{
			result("cpu_0", types.StatusCodeComplete, map[time.Time]float64{at(0): 2050, at(5): 2051}),
			result("pods_0", types.StatusCodeComplete, map[time.Time]float64{at(0): 10, at(5): 9}),
			result("mem_0", types.StatusCodeComplete, map[time.Time]float64{at(0): 3_005_000_000, at(5): 3_005_000_000}),
			result("restarts_0", types.StatusCodeComplete, map[time.Time]float64{at(0): 0, at(5): 1}),
			result("cpu_1", types.StatusCodeComplete, map[time.Time]float64{at(5): 250}),
			result("pods_1", types.StatusCodeComplete, map[time.Time]float64{at(5): 5}),
			result("mem_1", types.StatusCodeComplete, map[time.Time]float64{at(5): 500_000_000}),
			result("restarts_1", types.StatusCodeComplete, map[time.Time]float64{at(5): 3, at(10): 2}),
		}}}, map[time.Time]platform.Usage{
			at(0): {CPUMillicores: 410, MemoryBytes: 601_000_000, Pods: 2, Restarts: 0},
			at(5): {CPUMillicores: 460, MemoryBytes: 701_000_000, Pods: 3, Restarts: 4}, // 9+5 reports / 5 = 2.8 pods
		}, 1},
		{"a 30 s agent interval doubles the reports a step", 30 * time.Second, []*cloudwatch.GetMetricDataOutput{{MetricDataResults: []types.MetricDataResult{
			result("cpu_0", types.StatusCodeComplete, map[time.Time]float64{at(0): 4000}),
			result("pods_0", types.StatusCodeComplete, map[time.Time]float64{at(0): 20}),
		}}}, map[time.Time]platform.Usage{at(0): {CPUMillicores: 400, Pods: 2}}, 1},
		{"pages: PartialData and NextToken are followed, values of one series add up across pages", 0, []*cloudwatch.GetMetricDataOutput{
			{NextToken: aws.String("tok-2"), MetricDataResults: []types.MetricDataResult{
				result("cpu_0", types.StatusCodePartialData, map[time.Time]float64{at(0): 1000}),
				result("pods_0", types.StatusCodeComplete, map[time.Time]float64{at(0): 5, at(5): 5}),
			}},
			{NextToken: aws.String("tok-3"), Messages: []types.MessageData{{Code: aws.String("Info"), Value: aws.String("more")}}, MetricDataResults: []types.MetricDataResult{
				result("cpu_0", types.StatusCodePartialData, map[time.Time]float64{at(5): 500}),
			}},
			{MetricDataResults: []types.MetricDataResult{result("restarts_0", types.StatusCodeComplete, map[time.Time]float64{at(5): 7})}},
		}, map[time.Time]platform.Usage{at(0): {CPUMillicores: 200, Pods: 1}, at(5): {CPUMillicores: 100, Pods: 1, Restarts: 7}}, 3},
		{"PartialData without a NextToken is all there is", 0, []*cloudwatch.GetMetricDataOutput{{MetricDataResults: []types.MetricDataResult{
			result("cpu_0", types.StatusCodePartialData, map[time.Time]float64{at(0): 5}),
			result("pods_0", types.StatusCodePartialData, map[time.Time]float64{at(0): 5}),
		}}}, map[time.Time]platform.Usage{at(0): {CPUMillicores: 1, Pods: 1}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{pages: tc.pages}
			points, err := Source{Client: api, ClusterName: "slipway", Interval: tc.interval}.History(context.Background(), app("web", "worker", "release"), w)
			if err != nil {
				t.Fatal(err)
			}
			got := map[time.Time]platform.Usage{}
			for _, p := range points {
				if p.Time.Location() != time.UTC {
					t.Errorf("point at %v is not UTC", p.Time)
				}
				got[p.Time] = *p.Usage
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("points %+v, want %+v", got, tc.want)
			}
			if len(api.requests) != tc.requests {
				t.Fatalf("%d requests, want %d", len(api.requests), tc.requests)
			}
			for i, r := range api.requests {
				wantToken := ""
				if i > 0 {
					wantToken = aws.ToString(tc.pages[i-1].NextToken)
				}
				if aws.ToString(r.NextToken) != wantToken || !reflect.DeepEqual(r.MetricDataQueries, api.requests[0].MetricDataQueries) || !r.StartTime.Equal(start) {
					t.Errorf("request %d: token %q, want %q", i, aws.ToString(r.NextToken), wantToken)
				}
			}
		})
	}
}

func TestHistoryErrors(t *testing.T) {
	w := platform.UsageWindow{Start: start, End: at(5), Step: time.Minute}
	for _, tc := range []struct {
		name        string
		api         *fakeAPI
		unavailable bool
	}{
		{"throttled", &fakeAPI{err: &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}}, true},
		{"a series CloudWatch failed to read", &fakeAPI{pages: []*cloudwatch.GetMetricDataOutput{{MetricDataResults: []types.MetricDataResult{
			result("cpu_0", types.StatusCodeInternalError, nil)}}}}, true},
		{"access denied", &fakeAPI{err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform cloudwatch:GetMetricData"}}, false},
		{"a forbidden series", &fakeAPI{pages: []*cloudwatch.GetMetricDataOutput{{MetricDataResults: []types.MetricDataResult{
			result("cpu_0", types.StatusCodeForbidden, nil)}}}}, false},
		{"endless pages", &fakeAPI{pages: []*cloudwatch.GetMetricDataOutput{{NextToken: aws.String("again")}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Source{Client: tc.api, ClusterName: "c"}.History(context.Background(), app("web"), w)
			if err == nil || platform.IsCode(err, platform.CodeUnavailable) != tc.unavailable {
				t.Fatalf("err %v (unavailable: %v, want %v)", err, platform.IsCode(err, platform.CodeUnavailable), tc.unavailable)
			}
			if len(tc.api.requests) > maxPages {
				t.Fatalf("%d requests", len(tc.api.requests))
			}
		})
	}
	if err := classify(context.Canceled); platform.IsCode(err, platform.CodeUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("a canceled request: %v", err)
	}
}
