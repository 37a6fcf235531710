package cloudwatch

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/procfile"
)

// Namespace is the CloudWatch namespace Container Insights publishes in.
const Namespace = "ContainerInsights"

// The Container Insights metrics Source reads.
const (
	MetricCPU      = "pod_cpu_usage_total"
	MetricMemory   = "pod_memory_working_set"
	MetricRestarts = "pod_number_of_container_restarts"
)

// DefaultInterval is how often the CloudWatch agent reports each pod.
const DefaultInterval = 60 * time.Second

// maxProcesses keeps a request within GetMetricData's 500 queries (four
// a process).
const maxProcesses = 500 / 4

// maxPages bounds the pages of one request; the data of a window (at most
// 720 steps × 4 series × processes) never needs more.
const maxPages = 50

// Source is the observability source in AWS: the application's pods'
// Container Insights metrics.
type Source struct {
	Client API
	// ClusterName is the EKS cluster's name (EKS_CLUSTER_NAME).
	ClusterName string
	// Interval is the agent's metrics_collection_interval; zero is
	// DefaultInterval.
	Interval time.Duration
}

// series is one of the four series asked for per process.
type series struct {
	kind, metric, stat string
}

// seriesKinds are the series of a process; a query's id is
// "<kind>_<process index>".
var seriesKinds = []series{
	{"cpu", MetricCPU, "Sum"},
	{"pods", MetricCPU, "SampleCount"},
	{"mem", MetricMemory, "Sum"},
	{"restarts", MetricRestarts, "Sum"},
}

// History returns the application's points in w. An application without a
// release, or a deployment without a cluster (ClusterName empty), runs
// nothing, and costs no request.
func (s Source) History(ctx context.Context, app platform.Application, w platform.UsageWindow) ([]platform.UsagePoint, error) {
	in, err := s.Query(app, w)
	if err != nil || in == nil {
		return nil, err
	}
	totals := map[int64]*stepTotals{}
	for page := 1; ; page++ {
		out, err := s.Client.GetMetricData(ctx, in)
		if err != nil {
			return nil, classify(err)
		}
		if err := addResults(ctx, totals, out); err != nil {
			return nil, err
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		if page == maxPages {
			return nil, fmt.Errorf("cloudwatch: GetMetricData for application %s still paginating after %d pages", app.ID, page)
		}
		in.NextToken = out.NextToken
	}
	return s.points(totals, w), nil
}

// Query is the GetMetricData request for the application's window: the
// four series of every long-running process of its newest release, one
// Period a step, from Start to End (both multiples of the step). It is nil
// when nothing can run: no release, no long-running process, no cluster.
func (s Source) Query(app platform.Application, w platform.UsageWindow) (*cloudwatch.GetMetricDataInput, error) {
	if app.LatestRelease == nil || s.ClusterName == "" {
		return nil, nil
	}
	workload := pipeline.WorkloadOf(app, *app.LatestRelease)
	var processes []string
	for p := range workload.Processes {
		if procfile.KindOf(p).LongRunning() {
			processes = append(processes, p)
		}
	}
	if len(processes) == 0 {
		return nil, nil
	}
	if len(processes) > maxProcesses {
		return nil, fmt.Errorf("cloudwatch: application %s has %d processes; one request reads at most %d", app.ID, len(processes), maxProcesses)
	}
	sort.Strings(processes)
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(w.Start), EndTime: aws.Time(w.End), ScanBy: types.ScanByTimestampAscending,
	}
	for i, p := range processes {
		dims := []types.Dimension{
			{Name: aws.String("ClusterName"), Value: aws.String(s.ClusterName)},
			{Name: aws.String("Namespace"), Value: aws.String(workload.Namespace)},
			{Name: aws.String("PodName"), Value: aws.String(kube.ObjectName(workload.Name, p))},
		}
		for _, k := range seriesKinds {
			in.MetricDataQueries = append(in.MetricDataQueries, types.MetricDataQuery{
				Id: aws.String(fmt.Sprintf("%s_%d", k.kind, i)), Label: aws.String(p + " " + k.kind), ReturnData: aws.Bool(true),
				MetricStat: &types.MetricStat{
					Metric: &types.Metric{Namespace: aws.String(Namespace), MetricName: aws.String(k.metric), Dimensions: dims},
					Period: aws.Int32(int32(w.Step / time.Second)), Stat: aws.String(k.stat),
				},
			})
		}
	}
	return in, nil
}

// stepTotals are one step's values summed over the processes.
type stepTotals struct {
	cpu, pods, mem, restarts float64
}

// addResults adds a page's values to totals (by the step's Unix second).
// A series CloudWatch could not read fails the request; one with more data
// to come (PartialData) is continued on the next page.
func addResults(ctx context.Context, totals map[int64]*stepTotals, out *cloudwatch.GetMetricDataOutput) error {
	for _, m := range out.Messages {
		slog.WarnContext(ctx, "cloudwatch: GetMetricData message", "code", aws.ToString(m.Code), "message", aws.ToString(m.Value))
	}
	for _, r := range out.MetricDataResults {
		id := aws.ToString(r.Id)
		for _, m := range r.Messages {
			slog.WarnContext(ctx, "cloudwatch: GetMetricData message", "id", id, "code", aws.ToString(m.Code), "message", aws.ToString(m.Value))
		}
		switch r.StatusCode {
		case types.StatusCodeInternalError:
			return platform.Unavailable(fmt.Errorf("cloudwatch: series %s: status %s", id, r.StatusCode))
		case types.StatusCodeForbidden:
			return fmt.Errorf("cloudwatch: series %s: status %s (the function may not read the metric)", id, r.StatusCode)
		}
		kind, _, _ := strings.Cut(id, "_")
		for i, ts := range r.Timestamps {
			if i >= len(r.Values) {
				break
			}
			t := totals[ts.Unix()]
			if t == nil {
				t = &stepTotals{}
				totals[ts.Unix()] = t
			}
			v := r.Values[i]
			switch kind {
			case "cpu":
				t.cpu += v
			case "pods":
				t.pods += v
			case "mem":
				t.mem += v
			case "restarts":
				t.restarts += v
			}
		}
	}
	return nil
}

// points turns the totals into usage: the step's averages are the sums
// over the agent's reports divided by the reports a pod makes in a step.
func (s Source) points(totals map[int64]*stepTotals, w platform.UsageWindow) []platform.UsagePoint {
	interval := s.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	reports := float64(w.Step) / float64(interval)
	points := make([]platform.UsagePoint, 0, len(totals))
	for sec, t := range totals {
		if t.pods <= 0 {
			continue // no pod reported in the step
		}
		points = append(points, platform.UsagePoint{Time: time.Unix(sec, 0).UTC(), Usage: &platform.Usage{
			CPUMillicores: round(t.cpu / reports), MemoryBytes: round(t.mem / reports),
			Pods: round(t.pods / reports), Restarts: round(t.restarts),
		}})
	}
	return points
}

func round(v float64) int64 { return int64(math.Round(v)) }
