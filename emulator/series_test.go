package emulator

import (
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/cloudapi"
)

func TestInstanceQpsSeries(t *testing.T) {
	w := testWorld(t)
	w.InstanceQpsSeries = map[string][]float64{dedicated: {50, 12.5, 0}}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	_, ts := startWorld(t, w)
	c := apiClient(t, ts, "testid", "testsecret")
	req := cloudapi.CreateDescribeInstanceQpsRequest()
	req.Scheme = "http"
	req.InstanceId = dedicated
	req.StageName = "RELEASE" // the series is RELEASE traffic
	now := time.Now().UTC()
	req.StartTime = now.Add(-10 * time.Minute).Format("2006-01-02T15:04:05Z")
	req.EndTime = now.Add(time.Minute).Format("2006-01-02T15:04:05Z")
	var got []string
	for range 4 {
		resp, err := c.DescribeInstanceQps(req)
		if err != nil {
			t.Fatal(err)
		}
		items := resp.InstanceQps.MonitorItem
		if len(items) != 1 {
			t.Fatalf("MonitorItem = %+v: want one item at the current minute", items)
		}
		if items[0].ItemTime != now.Truncate(time.Minute).Format("2006-01-02T15:04:05Z") &&
			items[0].ItemTime != now.Add(time.Minute).Truncate(time.Minute).Format("2006-01-02T15:04:05Z") {
			t.Errorf("ItemTime = %s, want the current minute", items[0].ItemTime)
		}
		got = append(got, items[0].ItemValue)
	}
	if strings.Join(got, " ") != "50 12.5 0 0" {
		t.Errorf("values = %v, want 50 12.5 0 0 (the last repeats)", got)
	}
}

func TestInstanceQpsSeriesValidation(t *testing.T) {
	for _, tc := range []struct {
		series map[string][]float64
		want   string
	}{
		{map[string][]float64{"apigateway-hz-000000000000": {1}}, "instanceQpsSeries[apigateway-hz-000000000000]: not a known instance"},
		{map[string][]float64{dedicated: {}}, "give at least one value"},
		{map[string][]float64{dedicated: {3, -1}}, "instanceQpsSeries[" + dedicated + "][1]: -1: values must not be negative"},
	} {
		w := testWorld(t)
		w.InstanceQpsSeries = tc.series
		if err := w.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate = %v, want %q", err, tc.want)
		}
	}
	w, err := ParseWorld([]byte(testWorldYAML+"instanceQpsSeries:\n  "+dedicated+": [30, 0]\n"), "series.yaml")
	if err != nil || len(w.InstanceQpsSeries[dedicated]) != 2 {
		t.Errorf("ParseWorld with instanceQpsSeries: %v %v", w, err)
	}
}

func TestUpdateGroup(t *testing.T) {
	srv, ts := start(t)
	c := apiClient(t, ts, "testid", "testsecret")
	if !srv.UpdateGroup(groupOrders, func(g map[string]any) { g["IllegalStatus"] = "LOCKED" }) {
		t.Fatal("UpdateGroup of a known group = false")
	}
	if g := describeGroup(t, c, groupOrders); g.IllegalStatus != "LOCKED" {
		t.Errorf("IllegalStatus after UpdateGroup = %q", g.IllegalStatus)
	}
	if srv.UpdateGroup("nope", func(map[string]any) { t.Error("f called for an unknown group") }) {
		t.Error("UpdateGroup of an unknown group = true")
	}
}
