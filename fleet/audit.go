package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/collector"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/preflight"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// CollectionRule is the RuleID of the error record of a pair that could
// not be collected (or whose kept snapshot could not be read): no rule ran
// on it, and the gate treats it as a rule error (never a pass).
const CollectionRule = "collection"

// PlanFile is the name under which an audit keeps its plan in the
// snapshots directory, so that `audit --from DIR` rebuilds the report.
const PlanFile = "audit-plan.json"

// Reader is the cloud reader of one region: a *cloud.Shared.
type Reader interface {
	cloud.API
	// Forget drops kept answers of reads with parameter name = value.
	Forget(name, value string)
}

// Options configure an audit.
type Options struct {
	Engine *policies.Engine
	// Reader returns the reader of a region; nil reads the snapshots
	// directory only (FromDir).
	Reader func(region string) (Reader, error)
	// Concurrency is the number of groups collected and evaluated at once
	// (default 4).
	Concurrency int
	// Request is the template of each collection (stage, lookback,
	// configuration, version, limits); GroupID, TargetInstanceID,
	// RegionID and Now are set per pair.
	Request collector.Request
	// Now is the collection time of every pair: one QPS window for all, so
	// the destinations' loads are read once.
	Now time.Time
	// Timeout bounds the collection of one group with all its destinations
	// (0: none).
	Timeout time.Duration
	// SnapshotDir, when set, receives one snapshot per pair (SnapshotName)
	// and the plan (PlanFile); a snapshot already there and collected no
	// more than MaxAge before Now is used instead of reading the cloud.
	SnapshotDir string
	MaxAge      time.Duration
	// FromDir reads every pair from SnapshotDir; nothing is collected.
	FromDir bool
	// Progress counts the pairs; nil counts nothing.
	Progress *Progress
}

// Pair is one (group, destination) of the plan.
type Pair struct {
	Region, Group, Destination string
	// Candidate: not the first destination of its entry.
	Candidate bool
}

// Outcome is an audit's migrations: every pair in plan order, then the
// fleet record.
type Outcome struct {
	Migrations []report.Migration
	// Snapshots counts the pairs read from kept snapshots, Collected
	// those read from the cloud, Failed those that could not be read.
	Reused, Collected, Failed int
}

// Pairs lists the plan's pairs in order.
func (p *Plan) Pairs() []Pair {
	var out []Pair
	for _, e := range p.Migrations {
		for i, to := range e.To {
			out = append(out, Pair{Region: p.RegionOf(e), Group: e.Group, Destination: to, Candidate: i > 0})
		}
	}
	return out
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SnapshotName is the stable file name of a pair's snapshot:
// REGION_GROUP_DESTINATION.json, with a short hash added when the group
// (a name) had to be changed to fit a file name.
func SnapshotName(p Pair) string {
	parts := []string{p.Region, p.Group, p.Destination}
	changed := false
	for i, s := range parts {
		c := unsafeName.ReplaceAllString(s, "-")
		changed = changed || c != s
		parts[i] = c
	}
	name := strings.Join(parts, "_")
	if changed {
		sum := sha256.Sum256([]byte(p.Region + "\x00" + p.Group + "\x00" + p.Destination))
		name += "_" + hex.EncodeToString(sum[:4])
	}
	return name + ".json"
}

// Run audits the plan: each entry's group is collected for each of its
// destinations (the shared reader makes the group's and each instance's
// reads once), each pair evaluated with every rule, then the fleet rules
// run once over all pairs. A pair that cannot be collected becomes an error
// record (CollectionRule) and the audit goes on; only a cancelled ctx and a
// failing evaluation stop it.
func Run(ctx context.Context, plan *Plan, opts Options) (*Outcome, error) {
	pairs := plan.Pairs()
	if opts.Progress != nil {
		opts.Progress.setTotal(len(pairs))
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	// Pairs are laid out in plan order; each entry is one job.
	starts := make([]int, len(plan.Migrations))
	n := 0
	for i, e := range plan.Migrations {
		starts[i] = n
		n += len(e.To)
	}
	migs := make([]report.Migration, len(pairs))
	docs := make([]*snapshot.Document, len(pairs))
	how := make([]source, len(pairs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < opts.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				e := plan.Migrations[i]
				err := opts.entry(ctx, plan, e, pairs[starts[i]:starts[i]+len(e.To)],
					migs[starts[i]:], docs[starts[i]:], how[starts[i]:])
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
				}
			}
		}()
	}
feed:
	for i := range plan.Migrations {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &Outcome{Migrations: migs}
	for _, h := range how {
		switch h {
		case fromKept:
			out.Reused++
		case fromCloud:
			out.Collected++
		default:
			out.Failed++
		}
	}
	fm, err := evaluateFleet(ctx, opts.Engine, plan, pairs, docs)
	if err != nil {
		return nil, err
	}
	out.Migrations = append(out.Migrations, fm)
	return out, nil
}

type source int

const (
	failed source = iota
	fromKept
	fromCloud
)

// entry collects and evaluates one group's pairs, in order.
func (o *Options) entry(ctx context.Context, plan *Plan, e Entry, pairs []Pair, migs []report.Migration, docs []*snapshot.Document, how []source) error {
	var reader Reader
	var groupID string
	resolved := false
	var resolveErr error
	resolve := func(ctx context.Context) (string, error) {
		if !resolved {
			resolved = true
			if reader, resolveErr = o.Reader(pairs[0].Region); resolveErr == nil {
				groupID, resolveErr = ResolveGroup(ctx, reader, e.Group)
			}
		}
		return groupID, resolveErr
	}
	gctx := ctx
	if o.Timeout > 0 && !o.FromDir {
		var cancel context.CancelFunc
		gctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	for i, p := range pairs {
		doc, src, err := o.load(gctx, p, resolve)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if o.Progress != nil {
			o.Progress.collected.Add(1)
		}
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("the collection of group %s did not finish within %s (--timeout)", p.Group, o.Timeout)
			}
			migs[i] = errorRecord(p, groupID, o.snapshotPath(p), err)
			how[i] = failed
		} else {
			m, err := preflight.Evaluate(ctx, o.Engine, doc)
			if err != nil {
				return err
			}
			m.Candidate = p.Candidate
			if m.Capacity, err = capacity(ctx, o.Engine, doc); err != nil {
				return fmt.Errorf("%s: %w", doc.Name, err)
			}
			migs[i], docs[i], how[i] = m, doc, src
		}
		if o.Progress != nil {
			o.Progress.evaluated.Add(1)
		}
	}
	if reader != nil && groupID != "" {
		reader.Forget("GroupId", groupID)
	}
	return nil
}

func capacity(ctx context.Context, eng *policies.Engine, doc *snapshot.Document) (*report.Capacity, error) {
	v, err := policies.InputValue(doc.Value)
	if err != nil {
		return nil, err
	}
	return eng.Capacity(ctx, v)
}

func (o *Options) snapshotPath(p Pair) string {
	if o.SnapshotDir == "" {
		return ""
	}
	return filepath.Join(o.SnapshotDir, SnapshotName(p))
}

// load reads one pair: from its kept snapshot when young enough (always
// with FromDir), else from the cloud (kept when SnapshotDir is set).
func (o *Options) load(ctx context.Context, p Pair, resolve func(context.Context) (string, error)) (*snapshot.Document, source, error) {
	path := o.snapshotPath(p)
	if path != "" {
		raw, err := os.ReadFile(path)
		switch {
		case err == nil:
			doc, err := snapshot.Parse(path, raw)
			if err != nil {
				return nil, failed, fmt.Errorf("kept snapshot: %w; delete it to collect the pair again", err)
			}
			if doc.DestID != p.Destination {
				return nil, failed, fmt.Errorf("kept snapshot %s is for destination %s, not %s; delete it to collect the pair again", path, doc.DestID, p.Destination)
			}
			if o.FromDir || o.MaxAge <= 0 || !doc.CollectedAt.Before(o.Now.Add(-o.MaxAge)) {
				return doc, fromKept, nil
			}
		case !errors.Is(err, os.ErrNotExist):
			return nil, failed, fmt.Errorf("kept snapshot: %v", err)
		case o.FromDir:
			return nil, failed, fmt.Errorf("no snapshot %s in the snapshots directory: the pair was not collected (run the audit with --snapshots for its shard)", SnapshotName(p))
		}
	}
	if o.FromDir || o.Reader == nil {
		return nil, failed, errors.New("not collected")
	}
	groupID, err := resolve(ctx)
	if err != nil {
		return nil, failed, err
	}
	reader, err := o.Reader(p.Region)
	if err != nil {
		return nil, failed, err
	}
	req := o.Request
	req.GroupID, req.TargetInstanceID, req.RegionID = groupID, p.Destination, p.Region
	now := o.Now
	req.Now = func() time.Time { return now }
	snap, err := collector.Collect(ctx, reader, req)
	if err != nil {
		return nil, failed, err
	}
	raw, err := snap.Marshal()
	if err != nil {
		return nil, failed, fmt.Errorf("render snapshot: %w", err)
	}
	name := path
	if name == "" {
		name = fmt.Sprintf("collected snapshot %s", strings.TrimSuffix(SnapshotName(p), ".json"))
	}
	doc, err := snapshot.Parse(name, raw)
	if err != nil {
		return nil, failed, fmt.Errorf("the collected snapshot does not validate: %w", err)
	}
	if path != "" {
		if err := WriteFileAtomic(path, raw); err != nil {
			return nil, failed, fmt.Errorf("keep snapshot: %w", err)
		}
	}
	return doc, fromCloud, nil
}

// errorRecord is the migration of a pair that could not be read.
func errorRecord(p Pair, groupID, path string, err error) report.Migration {
	id := groupID
	if id == "" {
		id = p.Group
	}
	input := path
	if input == "" {
		input = "cloud"
	}
	msg := cloud.Truncate(cloud.RedactSecrets(err.Error()), 2000)
	return report.Migration{
		Input:       input,
		GroupID:     id,
		RegionID:    p.Region,
		Destination: p.Destination,
		Candidate:   p.Candidate,
		Findings:    []report.Finding{},
		Errors: []report.RuleError{{RuleID: CollectionRule,
			Message: fmt.Sprintf("group %s for %s could not be collected, so no rule was evaluated: %s", p.Group, p.Destination, msg)}},
	}
}

var groupIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ResolveGroup returns the ID of a group given by ID (32 hex digits) or by
// name: DescribeApiGroups, paged, must list exactly one group of that name.
func ResolveGroup(ctx context.Context, api cloud.API, ref string) (string, error) {
	if groupIDPattern.MatchString(ref) {
		return ref, nil
	}
	var ids []string
	err := ListGroups(ctx, api, map[string]string{"GroupName": ref}, func(g Group) {
		if g.Name == ref {
			ids = append(ids, g.ID)
		}
	})
	if err != nil {
		return "", err
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("no group is named %q in the region; give its ID", ref)
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%d groups are named %q (%s); give the ID", len(ids), ref, strings.Join(ids, ", "))
}

// Group is one entry of DescribeApiGroups.
type Group struct{ ID, Name, InstanceID string }

// ListGroups pages DescribeApiGroups (50 a page) with the filters, calling
// fn for each group; it stops at a short page or one that adds nothing.
func ListGroups(ctx context.Context, api cloud.API, filters map[string]string, fn func(Group)) error {
	seen := map[string]bool{}
	for page := 1; page <= 1000; page++ {
		params := map[string]string{"PageSize": "50", "PageNumber": strconv.Itoa(page)}
		for k, v := range filters {
			params[k] = v
		}
		body, err := callJSON(ctx, api, "DescribeApiGroups", params)
		if err != nil {
			return err
		}
		items := listOf(body, "ApiGroupAttributes", "ApiGroupAttribute")
		added := 0
		for _, it := range items {
			m, _ := it.(map[string]any)
			g := Group{ID: text(m["GroupId"]), Name: text(m["GroupName"]), InstanceID: text(m["InstanceId"])}
			if g.ID == "" || seen[g.ID] {
				continue
			}
			seen[g.ID] = true
			added++
			fn(g)
		}
		if len(items) < 50 || added == 0 {
			return nil
		}
	}
	return nil
}

// DedicatedInstances lists the region's dedicated instances
// (DescribeInstances without an ID, paged), in the order the cloud lists
// them.
func DedicatedInstances(ctx context.Context, api cloud.API) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for page := 1; page <= 100; page++ {
		body, err := callJSON(ctx, api, "DescribeInstances", map[string]string{"PageSize": "100", "PageNumber": strconv.Itoa(page)})
		if err != nil {
			return nil, err
		}
		items := listOf(body, "Instances", "InstanceAttribute")
		added := 0
		for _, it := range items {
			m, _ := it.(map[string]any)
			id := text(m["InstanceId"])
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			added++
			if !strings.EqualFold(text(m["InstanceType"]), "VPC_SHARED") {
				ids = append(ids, id)
			}
		}
		if len(items) < 100 || added == 0 {
			break
		}
	}
	return ids, nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory, synced and renamed over it.
func WriteFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
