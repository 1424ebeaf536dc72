package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
)

// drainWindow is how far back each DescribeInstanceQps sample looks; the
// latest data point in it is the traffic still arriving.
const drainWindow = 10 * time.Minute

// watchDrain samples DescribeInstanceQps of a dedicated source until the
// latest data point is zero or d has passed, saying each time how much
// traffic still arrives. It reports; it never fails the run, which has
// already succeeded.
func (r *run) watchDrain(ctx context.Context, source string, d time.Duration) {
	m := r.m
	if !r.first.SourceDedicated() {
		r.rec.Drain = "not-dedicated"
		fmt.Fprintf(m.Out, "Drain watch skipped: %s is a serverless instance shared with other tenants, so its QPS is not this group's.\n", source)
		return
	}
	interval := m.DrainInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	start := m.now()
	deadline := start.Add(d)
	last := ""
	fmt.Fprintf(m.Out, "Watching the traffic still reaching %s for up to %s...\n", source, d)
	for {
		v, at, ok, err := r.sampleQps(ctx, source)
		switch {
		case err != nil && ctx.Err() != nil:
			r.rec.Drain = "interrupted"
			fmt.Fprintf(m.Out, "Drain watch interrupted; %s may still receive traffic.\n", source)
			return
		case err != nil && cloud.Retryable(err):
			r.progress("drain: %v; trying again\n", err)
		case err != nil:
			r.rec.Drain = "error"
			fmt.Fprintf(m.Out, "Drain watch stopped: %v. Check the source's traffic before releasing it.\n", err)
			return
		case !ok:
			fmt.Fprintf(m.Out, "drain: no QPS data for %s in the last %s yet\n", source, drainWindow)
		case v <= 0:
			r.rec.Drain = "drained"
			fmt.Fprintf(m.Out, "Traffic to %s has stopped (0 requests/s at %s, after %s). Release or downgrade it only once its QPS has stayed at zero for at least 10 minutes and nothing else runs on it.\n",
				source, at, m.now().Sub(start).Round(time.Second))
			return
		default:
			last = formatQps(v)
			fmt.Fprintf(m.Out, "drain: %s still receives %s requests/s (at %s)\n", source, last, at)
		}
		left := deadline.Sub(m.now())
		if left <= 0 {
			if last == "" {
				r.rec.Drain = "no-data"
				fmt.Fprintf(m.Out, "After %s there is no QPS data showing that %s is drained: do not release it yet.\n", d, source)
			} else {
				r.rec.Drain = "still-receiving"
				fmt.Fprintf(m.Out, "After %s, %s still receives %s requests/s: do not release it yet.\n", d, source, last)
			}
			return
		}
		if err := m.sleep(ctx, min(interval, left)); err != nil {
			r.rec.Drain = "interrupted"
			fmt.Fprintf(m.Out, "Drain watch interrupted; %s may still receive traffic.\n", source)
			return
		}
	}
}

// drainStages are the stages sampled: instance QPS counts the requests of
// every stage, and DescribeInstanceQps reads one stage per call.
var drainStages = []string{"RELEASE", "PRE", "TEST"}

// sampleQps returns the latest time point of the last drainWindow with a
// DescribeInstanceQps data point on any stage, and the sum over the stages
// at that time; ok is false when there is none.
func (r *run) sampleQps(ctx context.Context, instance string) (v float64, at string, ok bool, err error) {
	now := r.m.now().UTC()
	sums := map[time.Time]float64{}
	texts := map[time.Time]string{}
	for _, stage := range drainStages {
		body, err := r.m.API.Call(ctx, cloud.ProductCloudAPI, "DescribeInstanceQps", map[string]string{
			"InstanceId": instance,
			"StageName":  stage,
			"StartTime":  now.Add(-drainWindow).Format("2006-01-02T15:04:05Z"),
			"EndTime":    now.Format("2006-01-02T15:04:05Z"),
		})
		if err != nil {
			return 0, "", false, err
		}
		var resp struct {
			InstanceQps struct {
				MonitorItem []struct {
					ItemTime  string
					ItemValue json.RawMessage
				}
			}
		}
		if err := json.Unmarshal(body, &resp); err != nil {
			return 0, "", false, &cloud.APIError{Call: "DescribeInstanceQps", Code: cloud.CodeMalformedResponse, Message: err.Error()}
		}
		for _, it := range resp.InstanceQps.MonitorItem {
			t, terr := time.Parse(time.RFC3339, it.ItemTime)
			val, usable := parseValue(it.ItemValue)
			if terr != nil || !usable {
				continue
			}
			t = t.UTC()
			sums[t] += val
			if _, seen := texts[t]; !seen {
				texts[t] = it.ItemTime
			}
		}
	}
	var latest time.Time
	for t, sum := range sums {
		if !ok || t.After(latest) {
			v, at, ok, latest = sum, texts[t], true, t
		}
	}
	return v, at, ok, nil
}

// parseValue reads an ItemValue given as a number or a string
// (cloud.ParseQPS); ok is false when it holds no usable reading.
func parseValue(raw json.RawMessage) (v float64, ok bool) {
	text := string(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = s
	}
	v, ok, err := cloud.ParseQPS(text)
	return v, ok && err == nil
}

func formatQps(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
