package collector

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// Stages are the stages an API group can have, in the order they are read.
var Stages = []string{"RELEASE", "PRE", "TEST"}

// groupStages is the stages to read for a group: only want when set,
// otherwise every stage the group lists in StageItems.StageInfo[] (in the
// order of Stages), RELEASE when it lists none.
func groupStages(group map[string]any, want string) []string {
	if want != "" {
		return []string{want}
	}
	listed := map[string]bool{}
	for _, it := range list(group, "StageItems", "StageInfo") {
		m, _ := it.(map[string]any)
		listed[strings.ToUpper(strings.TrimSpace(str(m["StageName"])))] = true
	}
	var out []string
	for _, st := range Stages {
		if listed[st] {
			out = append(out, st)
		}
	}
	if len(out) == 0 {
		out = []string{"RELEASE"}
	}
	return out
}

// qpsPoint is one MonitorItem with a usable value.
type qpsPoint struct {
	at    string // ItemTime, normalised to UTC RFC 3339 when it parses
	value float64
}

// stagedLoad reads one QPS call for each stage and sums the values per
// time point. The load is nil when a read failed or was unreadable (both
// recorded: a partial sum would under-state the load), or when no stage
// gave a single data point (recorded as CodeNoDataPoints). A stage without
// data points has no entry in Stages.
func (c *collection) stagedLoad(ctx context.Context, call, wrapper string, params map[string]string, stages []string, from, to time.Time) (*snapshot.Load, error) {
	sums := map[string]float64{}
	perStage := map[string]float64{}
	items := 0
	var requestIDs []string
	for _, st := range stages {
		p := map[string]string{"StageName": st,
			"StartTime": from.Format(qpsTimeFormat), "EndTime": to.Format(qpsTimeFormat)}
		for k, v := range params {
			p[k] = v
		}
		body, err := c.call(ctx, cloud.ProductCloudAPI, call, p)
		if err != nil {
			return nil, c.optional(call, err)
		}
		points, n, code, msg := qpsPoints(body, wrapper)
		items += n
		requestIDs = append(requestIDs, str(body["RequestId"]))
		if code != "" {
			c.record(call, code, "stage %s: %s over %s to %s (RequestId %s)", st, msg, from.Format(time.RFC3339), to.Format(time.RFC3339), str(body["RequestId"]))
			return nil, nil
		}
		if len(points) == 0 {
			continue
		}
		peak := 0.0
		for _, pt := range points {
			sums[pt.at] += pt.value
			peak = max(peak, pt.value)
		}
		perStage[st] = peak
	}
	if len(perStage) == 0 {
		c.record(call, CodeNoDataPoints, "no answer has a %s.MonitorItem with a value (stages %s, %d items) over %s to %s (RequestId %s)",
			wrapper, strings.Join(stages, ", "), items, from.Format(time.RFC3339), to.Format(time.RFC3339), strings.Join(requestIDs, ", "))
		return nil, nil
	}
	load := &snapshot.Load{From: from.Format(time.RFC3339), To: to.Format(time.RFC3339), Stages: perStage}
	for _, v := range sums {
		load.PeakRPS = max(load.PeakRPS, v)
	}
	return load, nil
}

func (c *collection) traffic(ctx context.Context, now time.Time) error {
	from, to := c.window(now)
	c.progress("reading group QPS of stages %s over the last %s", strings.Join(c.stages, ", "), humanDuration(c.req.Lookback))
	load, err := c.stagedLoad(ctx, "DescribeGroupQps", "GroupQps", map[string]string{"GroupId": c.req.GroupID}, c.stages, from, to)
	if load != nil {
		if len(c.stages) == 1 {
			load.Stage = c.stages[0]
		}
		c.snap.Traffic = load
	}
	return err
}

// destinationLoad reads the destination's QPS on every stage: instance RPS
// counts the requests of every group and stage on it.
func (c *collection) destinationLoad(ctx context.Context, now time.Time) error {
	from, to := c.window(now)
	c.progress("reading destination instance QPS")
	load, err := c.stagedLoad(ctx, "DescribeInstanceQps", "InstanceQps", map[string]string{"InstanceId": c.req.TargetInstanceID}, Stages, from, to)
	if load != nil {
		c.snap.DestinationLoad = load
	}
	return err
}

// qpsPeak is the largest ItemValue of body[wrapper].MonitorItem (see
// qpsPoints); no usable value at all is CodeNoDataPoints.
func qpsPeak(body map[string]any, wrapper string) (peak float64, code, msg string) {
	points, n, code, msg := qpsPoints(body, wrapper)
	if code != "" {
		return 0, code, msg
	}
	if len(points) == 0 {
		return 0, CodeNoDataPoints, fmt.Sprintf("the answer has no %s.MonitorItem with a value (%d items)", wrapper, n)
	}
	for _, p := range points {
		peak = max(peak, p.value)
	}
	return peak, "", ""
}

// qpsPoints reads body[wrapper].MonitorItem: the items with a usable value
// and how many items there were. Values may be numbers or numeric strings;
// an item without a value (null, "") is an interval without a sample. A
// missing wrapper or list, an item that is not an object, a value of another
// type, unparsable, negative or not finite makes the answer unreadable (code
// CodeUnreadableResponse).
func qpsPoints(body map[string]any, wrapper string) (points []qpsPoint, items int, code, msg string) {
	w, ok := body[wrapper].(map[string]any)
	if !ok {
		return nil, 0, CodeUnreadableResponse, fmt.Sprintf("the answer has no %s object, so no QPS value could be read", wrapper)
	}
	list, ok := w["MonitorItem"].([]any)
	if !ok {
		return nil, 0, CodeUnreadableResponse, fmt.Sprintf("the answer has no %s.MonitorItem list, so no QPS value could be read", wrapper)
	}
	for i, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, len(list), CodeUnreadableResponse, fmt.Sprintf("%s.MonitorItem[%d] is not an object", wrapper, i)
		}
		var text string
		switch v := m["ItemValue"].(type) {
		case nil:
			continue
		case string:
			text = strings.TrimSpace(v)
		case json.Number:
			text = v.String()
		case float64:
			text = strconv.FormatFloat(v, 'g', -1, 64)
		default:
			return nil, len(list), CodeUnreadableResponse, fmt.Sprintf("%s.MonitorItem[%d].ItemValue is %s, not a number", wrapper, i, jsonType(v))
		}
		f, ok, err := cloud.ParseQPS(text)
		if err != nil {
			return nil, len(list), CodeUnreadableResponse, fmt.Sprintf("%s.MonitorItem[%d].ItemValue %q is %v", wrapper, i, cloud.Truncate(text, 40), err)
		}
		if !ok {
			continue
		}
		at := str(m["ItemTime"])
		if t, err := time.Parse(time.RFC3339, at); err == nil {
			at = t.UTC().Format(time.RFC3339)
		} else if at == "" {
			at = fmt.Sprintf("%s.MonitorItem[%d]", wrapper, i) // no time: never summed with another
		}
		points = append(points, qpsPoint{at: at, value: f})
	}
	return points, len(list), "", ""
}
