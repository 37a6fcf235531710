package cloudwatch

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/slipway-paas/slipway/internal/aws/mototest"
	"github.com/slipway-paas/slipway/internal/awsconf"
)

// TestMoto puts Container Insights-shaped data points into the emulator
// (the agent's one report a pod a minute) and reads them back through
// Source over the real client in the query protocol; it is skipped unless
// SLIPWAY_TEST_MOTO_ENDPOINT is set. The data is that of the recordings in
// testdata, under a cluster name of its own.
func TestMoto(t *testing.T) {
	endpoint, ctx := mototest.Endpoint(t)
	client := NewClient(awsconf.FromEnv(), endpoint, func(o *cloudwatch.Options) { o.RetryMaxAttempts = 1 })
	cluster := mototest.Name("slipway-test-")
	var data []types.MetricDatum
	put := func(pod, metric string, minute int, v float64) {
		data = append(data, types.MetricDatum{
			MetricName: aws.String(metric), Value: aws.Float64(v), Timestamp: aws.Time(at(minute).Add(10 * time.Second)),
			Dimensions: []types.Dimension{
				{Name: aws.String("ClusterName"), Value: aws.String(cluster)},
				{Name: aws.String("Namespace"), Value: aws.String("slipway-acme")},
				{Name: aws.String("PodName"), Value: aws.String(pod)},
			},
		})
	}
	for m := range 10 {
		for pod := range 2 {
			put("shop-web-web", MetricCPU, m, float64(200+10*pod))
			put("shop-web-web", MetricMemory, m, float64(300_000_000+pod*1_000_000))
			put("shop-web-web", MetricRestarts, m, 0)
		}
		if m >= 5 {
			put("shop-web-worker", MetricCPU, m, 50)
			put("shop-web-worker", MetricMemory, m, 100_000_000)
			put("shop-web-worker", MetricRestarts, m, map[bool]float64{true: 3}[m == 7])
		}
	}
	for len(data) > 0 {
		n := min(len(data), 500)
		if _, err := client.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(Namespace), MetricData: data[:n]}); err != nil {
			t.Fatalf("PutMetricData: %v", err)
		}
		data = data[n:]
	}
	points, err := Source{Client: client, ClusterName: cluster}.History(ctx, recordedApp(), recordedWindow)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	if got := usageByTime(t, points); !reflect.DeepEqual(got, recorded) {
		t.Fatalf("points %+v, want %+v", got, recorded)
	}
}
