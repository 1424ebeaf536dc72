package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
)

// wait polls DescribeApiGroup with backoff until the migration ends.
// After this run's write it ends when InstanceId is target and
// MigrationStatus is no longer Running; a migration found in flight
// (inFlight) ends when MigrationStatus is no longer Running, wherever it
// took the group. Failed or Fail ends it as a failure. Only an explicit
// API error that is not worth another try ends it early; throttling,
// timeouts, broken connections and bodies cut short only cost a poll.
func (r *run) wait(ctx context.Context, gid, target string, inFlight bool) error {
	m := r.m
	p := m.poll()
	backoff := m.retry(0, nil)
	start := m.now()
	deadline := start.Add(p.Timeout)
	var last map[string]any
	var lastErr error
	for poll := 1; ; poll++ {
		d := min(backoff.Backoff(poll), deadline.Sub(m.now()))
		if err := m.sleep(ctx, max(d, 0)); err != nil {
			return r.interrupted(ctx, gid, target)
		}
		g, rid, err := r.describeOnce(ctx, gid)
		switch {
		case err != nil && ctx.Err() != nil:
			return r.interrupted(ctx, gid, target)
		case err != nil && !permanent(err):
			lastErr = err
			r.progress("polling: %v; polling on\n", err)
		case err != nil:
			r.rec.addError("DescribeApiGroup", err)
			r.out.Status = StatusError
			return fail(KindFailed, "polling DescribeApiGroup failed: %v; the migration may still complete: check with %s",
				err, describeHint(gid, target))
		default:
			last, lastErr = g, nil
			r.rec.seen(g)
			status, inst := field(g, "MigrationStatus"), field(g, "InstanceId")
			switch {
			case isFailed(status):
				r.rec.addRequest("DescribeApiGroup", rid, "")
				r.out.Status, r.out.Group = StatusFailed, g
				who := "the migration"
				if inFlight {
					who = "the migration that was in flight (not started by this run)"
				}
				return fail(KindFailed, "%s of group %s failed: MigrationStatus %s, MigrationError %q; the group stays on %s",
					who, groupLabel(r.first), status, field(g, "MigrationError"), orDash(inst))
			case !isRunning(status) && inst == target:
				r.rec.addRequest("DescribeApiGroup", rid, "")
				return r.succeeded(ctx, g, target)
			case inFlight && !isRunning(status):
				r.rec.addRequest("DescribeApiGroup", rid, "")
				r.out.Status, r.out.Group = StatusFailed, g
				return fail(KindFailed, "the migration that was in flight ended with group %s on %s (MigrationStatus %s), not on %s; "+
					"nothing was written: run the command again to check a migration from %s", groupLabel(r.first), orDash(inst), orDash(status), target, orDash(inst))
			}
			r.progress("waiting: MigrationStatus %s, InstanceId %s (%s so far)\n", orDash(status), orDash(inst), m.now().Sub(start).Round(time.Second))
		}
		if !m.now().Before(deadline) {
			r.out.Status, r.out.Group = StatusTimeout, last
			seen := "no answer"
			if last != nil {
				seen = fmt.Sprintf("last seen MigrationStatus %s, InstanceId %s", orDash(field(last, "MigrationStatus")), orDash(field(last, "InstanceId")))
			}
			if lastErr != nil {
				seen += fmt.Sprintf("; last poll: %v", lastErr)
			}
			return fail(KindFailed, "group %s: the migration did not finish within %s (%s). It may still complete: check with %s, "+
				"or run this command again, which waits for a migration in flight instead of starting another",
				groupLabel(r.first), p.Timeout, seen, describeHint(gid, target))
		}
	}
}

// interrupted ends a run that ctx stopped after the write was sent or
// while it waited for a migration in flight; the error wraps ctx.Err().
func (r *run) interrupted(ctx context.Context, gid, target string) error {
	r.out.Status = StatusInterrupted
	what := "the migration"
	if !r.out.Wrote {
		what = "the migration in flight"
	}
	return &Error{Kind: KindFailed, Err: fmt.Errorf("interrupted while waiting; %s may still complete: check with %s: %w",
		what, describeHint(gid, target), ctx.Err())}
}

// succeeded verifies and reports a finished migration: a fresh
// collection shows the new state, then the DNS window and the advice on
// the source, then the optional drain watch.
func (r *run) succeeded(ctx context.Context, g map[string]any, target string) error {
	m := r.m
	r.out.Status, r.out.Group = StatusSucceeded, g
	fmt.Fprintf(m.Out, "Migration finished: group %s is on %s (MigrationStatus %s).\n",
		groupLabel(r.first), target, orDash(field(g, "MigrationStatus")))
	if m.Recheck != nil {
		ev, err := m.Recheck(ctx)
		switch {
		case err != nil:
			fmt.Fprintf(m.Out, "warning: could not collect the group again to show its new state: %v\n", err)
		default:
			g = ev.Group
			r.out.Group = g
			r.rec.seen(g)
			if field(g, "InstanceId") != target {
				fmt.Fprintf(m.Out, "warning: a fresh collection still shows InstanceId %s; the cloud may need a moment to agree: check with %s\n",
					orDash(field(g, "InstanceId")), describeHint(field(g, "GroupId"), target))
			}
		}
	}
	fmt.Fprintf(m.Out, "Group state now: InstanceId %s, InstanceType %s, MigrationStatus %s, Status %s.\n",
		orDash(field(g, "InstanceId")), instanceKind(g), orDash(field(g, "MigrationStatus")), orDash(field(g, "Status")))
	source := r.first.InstanceID()
	fmt.Fprintf(m.Out, "The change takes effect in 1 to 10 minutes, as DNS caches expire; until then some requests still reach %s.\n", source)
	if r.first.SourceDedicated() {
		fmt.Fprintf(m.Out, "%s is a dedicated instance: do not release it yet, not until no traffic reaches it "+
			"(watch with --watch-drain, or `aliyun cloudapi DescribeInstanceQps --InstanceId %s --StageName RELEASE --StartTime ... --EndTime ...` and the same for PRE and TEST).\n", source, source)
	}
	// The wait is over: another run may take the group now.
	r.lock.unlock()
	if r.opts.WatchDrain > 0 {
		r.watchDrain(ctx, source, r.opts.WatchDrain)
	}
	return nil
}

// describe reads the group, retrying a few times whatever is not an
// explicit, final API error.
func (r *run) describe(ctx context.Context, gid string) (map[string]any, error) {
	var g map[string]any
	var rid string
	retryable := func(err error) bool { return !permanent(err) }
	err := r.m.retry(5, retryable).Do(ctx, "DescribeApiGroup", nil, func(ctx context.Context) error {
		var err error
		g, rid, err = r.describeOnce(ctx, gid)
		return err
	})
	if err != nil {
		return nil, err
	}
	r.rec.addRequest("DescribeApiGroup", rid, "")
	r.rec.seen(g)
	return g, nil
}

// describeOnce is one DescribeApiGroup: the body and its RequestId.
func (r *run) describeOnce(ctx context.Context, gid string) (map[string]any, string, error) {
	body, err := r.m.API.Call(ctx, cloud.ProductCloudAPI, "DescribeApiGroup", map[string]string{"GroupId": gid})
	if err != nil {
		return nil, "", err
	}
	var g map[string]any
	if err := json.Unmarshal(body, &g); err != nil || g == nil {
		return nil, "", &cloud.APIError{Call: "DescribeApiGroup", Code: cloud.CodeMalformedResponse,
			Message: "the answer is not a JSON object"}
	}
	return g, field(g, "RequestId"), nil
}

func requestID(body []byte) string {
	var v struct{ RequestId string }
	_ = json.Unmarshal(body, &v)
	return v.RequestId
}

func (r *run) progress(format string, a ...any) {
	if r.m.Progress != nil {
		fmt.Fprintf(r.m.Progress, format, a...)
	}
}
