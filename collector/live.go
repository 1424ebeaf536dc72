package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// ProgramName is the collector name recorded in snapshots.
const ProgramName = "apigw-preflight"

// DefaultLookback is the QPS window when neither the request nor the
// configuration sets one.
const DefaultLookback = 7 * 24 * time.Hour

// qpsTimeFormat is the UTC form DescribeGroupQps and DescribeInstanceQps take.
const qpsTimeFormat = "2006-01-02T15:04:05Z"

// Resolver looks up a backend host's addresses. *net.Resolver fits.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// Request says what to collect.
type Request struct {
	GroupID          string
	TargetInstanceID string
	RegionID         string
	// Stage, when set, is the only stage whose deployed backends and
	// traffic are read; empty reads every stage the group lists in
	// StageItems (RELEASE when it lists none). Destination load is read
	// for every stage either way.
	Stage string
	// Lookback is the QPS window; 0 takes Config.Lookback, else 7 days.
	Lookback time.Duration
	// Now gives collectedAt and the end of the QPS window (default time.Now).
	Now func() time.Time
	// Config supplies the backend allowlists; nil means none are known.
	Config *config.Config
	// Progress hears each step; nil is silent.
	Progress Progress
	// Resolver resolves backend host names; nil uses net.DefaultResolver.
	// IP literals and stage variables never reach it.
	Resolver Resolver
	// Retry bounds the retries of each call; nil uses DefaultRetry.
	Retry *cloud.RetryPolicy
	// Version is recorded as collector.version (default "dev").
	Version string
	// MaxAPIs bounds the APIs read per group (default DefaultMaxAPIs).
	// A group with more is recorded as a collection error and only the
	// first MaxAPIs are read.
	MaxAPIs int
}

// DefaultMaxAPIs is the default bound of APIs read per group.
const DefaultMaxAPIs = 5000

// Codes of collectionErrors entries for answers that arrived but cannot be
// used; the call is the one whose answer it was.
const (
	// CodeNoDataPoints: a QPS reading without a single usable value.
	CodeNoDataPoints = "NoDataPoints"
	// CodeUnreadableResponse: an answer without the list or value the
	// rules need, or with a value of the wrong type.
	CodeUnreadableResponse = "UnreadableResponse"
	// CodeRepeatedPage: a listing page that added nothing new.
	CodeRepeatedPage = "RepeatedPage"
	// CodeTotalCountMismatch: a listing whose TotalCount disagrees with
	// the items it listed.
	CodeTotalCountMismatch = "TotalCountMismatch"
	// CodeTooManyAPIs: a group with more APIs than Request.MaxAPIs.
	CodeTooManyAPIs = "TooManyApis"
)

// Collect reads one group, its instance and the target instance through
// api and returns the snapshot. Reads the rules can live without (APIs and
// their backends, QPS, security groups) are recorded in
// snapshot.collectionErrors when they fail; a failing read of the group or
// of either instance, rejected credentials and a cancelled ctx return an
// error (an *APIError for a cloud failure).
func Collect(ctx context.Context, api cloud.API, req Request) (*snapshot.Snapshot, error) {
	if req.GroupID == "" || req.TargetInstanceID == "" {
		return nil, errors.New("collect: a group ID and a target instance ID are required")
	}
	if req.RegionID == "" {
		return nil, errors.New("collect: a region is required")
	}
	req.Stage = strings.ToUpper(strings.TrimSpace(req.Stage))
	if req.Lookback <= 0 && req.Config != nil {
		req.Lookback = req.Config.Lookback
	}
	if req.Lookback <= 0 {
		req.Lookback = DefaultLookback
	}
	if req.Now == nil {
		req.Now = time.Now
	}
	if req.Resolver == nil {
		req.Resolver = net.DefaultResolver
	}
	if req.Version == "" {
		req.Version = "dev"
	}
	if req.MaxAPIs <= 0 {
		req.MaxAPIs = DefaultMaxAPIs
	}
	retry := cloud.DefaultRetry
	if req.Retry != nil {
		retry = *req.Retry
	}
	now := req.Now().UTC().Truncate(time.Second)
	c := &collection{api: api, req: req, retry: retry, snap: &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		CollectedAt:   now.Format(time.RFC3339),
		RegionID:      req.RegionID,
		Collector:     &snapshot.Program{Name: ProgramName, Version: req.Version},
	}}
	if err := c.run(ctx, now); err != nil {
		return nil, err
	}
	return c.snap, nil
}

type collection struct {
	api   cloud.API
	req   Request
	retry cloud.RetryPolicy
	snap  *snapshot.Snapshot
	// stages are the stages whose backends and traffic are read.
	stages []string
	// vpcAccesses are read once, when a VpcConfig names an authorization only.
	vpcAccesses []map[string]any
	vpcRead     bool
	// backendServices are the reusable backend services read, by BackendId.
	backendServices map[string]*backendService
	// definitions are the DescribeApi answers read, by ApiId.
	definitions map[string]map[string]any
}

func (c *collection) progress(format string, a ...any) {
	if c.req.Progress != nil {
		c.req.Progress(fmt.Sprintf(format, a...))
	}
}

func (c *collection) run(ctx context.Context, now time.Time) error {
	// Essential: the group and both instances.
	c.progress("reading API group %s", c.req.GroupID)
	group, err := c.call(ctx, cloud.ProductCloudAPI, "DescribeApiGroup", map[string]string{"GroupId": c.req.GroupID})
	if err != nil {
		return err
	}
	c.snap.Group = group
	c.stages = groupStages(group, c.req.Stage)
	sourceID := str(group["InstanceId"])
	if sourceID == "" {
		return &cloud.APIError{Call: "DescribeApiGroup", Code: cloud.CodeMalformedResponse,
			Message: fmt.Sprintf("the response for group %s has no InstanceId", c.req.GroupID)}
	}
	instances := map[string]map[string]any{}
	for _, id := range []string{sourceID, c.req.TargetInstanceID} {
		if instances[id] != nil {
			continue
		}
		role := "source"
		if id == c.req.TargetInstanceID {
			role = "destination"
		}
		c.progress("reading %s instance %s", role, id)
		in, err := c.instance(ctx, id, role)
		if err != nil {
			return err
		}
		instances[id] = in
	}
	c.snap.Source = instances[sourceID]
	c.snap.Destination = instances[c.req.TargetInstanceID]

	// Optional: each failure is recorded and collection goes on.
	steps := []func(context.Context, time.Time) error{
		c.backends,
		c.plugins, // after backends: adds the plug-ins' backends (extra.go)
		c.vpcWhitelist,
		c.traffic,
		c.destinationLoad,
		c.securityGroups,
	}
	for _, step := range steps {
		if err := step(ctx, now); err != nil {
			return err
		}
	}
	return nil
}

// call makes one call with retries and decodes the body into a map,
// numbers kept as json.Number so values keep the API's own forms.
func (c *collection) call(ctx context.Context, product, action string, params map[string]string) (map[string]any, error) {
	var body map[string]any
	notify := func(err error, attempt int, wait time.Duration) {
		code := "error"
		if ae, ok := cloud.AsAPIError(err); ok {
			code = ae.Code
		}
		c.progress("%s: %s, retrying in %s (try %d of %d)", action, code, wait.Round(time.Millisecond), attempt+1, c.retry.MaxAttempts)
	}
	err := c.retry.Do(ctx, action, notify, func(ctx context.Context) error {
		raw, err := c.api.Call(ctx, product, action, params)
		if err != nil {
			return err
		}
		m, err := decodeObject(raw)
		if err != nil {
			return &cloud.APIError{Call: action, Code: cloud.CodeMalformedResponse, Kind: cloud.KindAmbiguous, Message: err.Error()}
		}
		body = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return body, nil
}

func decodeObject(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("response body is not valid JSON: %v", err)
	}
	if m == nil {
		return nil, errors.New("response body is not a JSON object")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("response body has data after the JSON object")
	}
	return m, nil
}

// optional records err of a read the rules can live without. It returns
// the error back when it must stop the collection: a cancelled context or
// rejected credentials.
func (c *collection) optional(call string, err error) error {
	ae, ok := cloud.AsAPIError(err)
	if !ok && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	if !ok {
		c.record(call, "ClientError", "%s", c.redact(err.Error()))
		return nil
	}
	if ae.IsCredential() {
		return err
	}
	msg := ae.Message
	if ae.RequestID != "" {
		msg += " (RequestId " + ae.RequestID + ")"
	}
	if ae.Attempts > 1 {
		msg += fmt.Sprintf(" (gave up after %d tries)", ae.Attempts)
	}
	c.record(call, ae.Code, "%s", strings.TrimSpace(c.redact(msg)))
	return nil
}

// record adds a collectionErrors entry.
func (c *collection) record(call, code, format string, a ...any) {
	c.snap.CollectionErrors = append(c.snap.CollectionErrors, snapshot.CollectionError{Call: call, Code: code, Message: fmt.Sprintf(format, a...)})
}

// redact removes secret-carrying parameters from a message by pattern.
// The messages of a *cloud.Client's errors are redacted already, the
// secrets it holds included; this covers any other API.
func (c *collection) redact(s string) string {
	return cloud.Truncate(cloud.RedactSecrets(s), 1000)
}

// instance reads one InstanceAttribute.
func (c *collection) instance(ctx context.Context, id, role string) (map[string]any, error) {
	body, err := c.call(ctx, cloud.ProductCloudAPI, "DescribeInstances", map[string]string{"InstanceId": id})
	if err != nil {
		return nil, err
	}
	for _, it := range list(body, "Instances", "InstanceAttribute") {
		if m, ok := it.(map[string]any); ok && str(m["InstanceId"]) == id {
			return m, nil
		}
	}
	return nil, &cloud.APIError{Call: "DescribeInstances", Code: "NotFoundInstance", RequestID: str(body["RequestId"]),
		Message: fmt.Sprintf("%s instance %s is not in region %s", role, id, c.req.RegionID)}
}

// listAPIs pages DescribeApis until TotalCount is reached. It stops at an
// empty page, at a short page once TotalCount APIs are listed (or when the
// answers carry no TotalCount), at a page that adds no ApiId not seen
// before (recorded), and at Request.MaxAPIs
// (recorded); duplicates are dropped, and a TotalCount that disagrees with
// the distinct APIs listed is recorded. ok is false when the listing
// failed (recorded): no backends can be known then. stop is the error that
// must end the collection (a cancelled context, rejected credentials).
func (c *collection) listAPIs(ctx context.Context) (summaries []map[string]any, ok bool, stop error) {
	const pageSize = 100
	seen := map[string]bool{}
	total := -1
	maxPages := c.req.MaxAPIs/pageSize + 2
	for page := 1; ; page++ {
		if page > maxPages {
			c.record("DescribeApis", CodeRepeatedPage, "the listing did not end after %d pages (%d APIs); listing stopped", maxPages, len(summaries))
			return summaries, true, nil
		}
		c.progress("listing APIs (page %d)", page)
		body, err := c.call(ctx, cloud.ProductCloudAPI, "DescribeApis", map[string]string{
			"GroupId": c.req.GroupID, "PageSize": strconv.Itoa(pageSize), "PageNumber": strconv.Itoa(page),
		})
		if err != nil {
			return nil, false, c.optional("DescribeApis", err)
		}
		raw, isList := lookup(body, "ApiSummarys", "ApiSummary").([]any)
		if !isList {
			c.record("DescribeApis", CodeUnreadableResponse, "page %d of the APIs of group %s has no ApiSummarys.ApiSummary list (RequestId %s)",
				page, c.req.GroupID, str(body["RequestId"]))
			return nil, false, nil
		}
		if n, err := strconv.Atoi(str(body["TotalCount"])); err == nil && n >= 0 {
			total = n
		}
		added := 0
		for _, it := range raw {
			m, _ := it.(map[string]any)
			id := str(m["ApiId"])
			if id == "" {
				c.record("DescribeApis", CodeUnreadableResponse, "page %d lists an API without an ApiId; it is not read", page)
				continue
			}
			if seen[id] {
				continue
			}
			if len(summaries) >= c.req.MaxAPIs {
				c.record("DescribeApis", CodeTooManyAPIs, "group %s has more than %d APIs, the most read per group; only the first %d are read (raise the limit with --max-apis)",
					c.req.GroupID, c.req.MaxAPIs, c.req.MaxAPIs)
				return summaries, true, nil
			}
			seen[id] = true
			summaries = append(summaries, m)
			added++
		}
		// A short page ends the listing only once TotalCount is reached
		// (or when the answer gives none): the largest page the API serves
		// is not documented, so a page shorter than asked for may not be
		// the last. An empty page always ends it.
		if len(raw) == 0 || (len(raw) < pageSize && (total < 0 || len(summaries) >= total)) {
			break
		}
		if added == 0 {
			c.record("DescribeApis", CodeRepeatedPage, "page %d added no API not listed on an earlier page; listing stopped after %d APIs", page, len(summaries))
			return summaries, true, nil
		}
	}
	if total >= 0 && total != len(summaries) {
		c.record("DescribeApis", CodeTotalCountMismatch, "TotalCount says group %s has %d APIs, but %d were listed", c.req.GroupID, total, len(summaries))
	}
	return summaries, true, nil
}

// backends lists the group's APIs and reads what each runs on the stage.
func (c *collection) backends(ctx context.Context, _ time.Time) error {
	summaries, ok, stop := c.listAPIs(ctx)
	if !ok || stop != nil {
		return stop
	}
	backends := []snapshot.Backend{}
	for i, sum := range summaries {
		for _, stage := range c.stages {
			apiID := str(sum["ApiId"])
			c.progress("reading deployed API %d of %d (%s, %s)", i+1, len(summaries), apiID, stage)
			body, err := c.call(ctx, cloud.ProductCloudAPI, "DescribeDeployedApi", map[string]string{
				"GroupId": c.req.GroupID, "ApiId": apiID, "StageName": stage,
			})
			if err != nil {
				if ae, ok := cloud.AsAPIError(err); ok && strings.Contains(ae.Code, "NotFound") && !ae.IsCredential() {
					continue // not deployed to this stage: nothing runs
				}
				if err := c.optional("DescribeDeployedApi", err); err != nil {
					return err
				}
				continue
			}
			binding := sum
			if needsDefinition(body, sum) {
				def, err := c.definition(ctx, apiID)
				if err != nil {
					return err
				}
				if def != nil {
					binding = def
				}
			}
			if id, bound := backendBinding(body, binding); bound {
				b, ok, err := c.serviceBackend(ctx, sum, body, id, stage)
				if err != nil {
					return err
				}
				if ok {
					backends = append(backends, c.resolveVpcAccess(ctx, b))
				}
				continue
			}
			if b, ok := c.backend(ctx, sum, body, stage); ok {
				backends = append(backends, c.resolveVpcAccess(ctx, b))
			}
		}
	}
	c.snap.Backends = backends
	return nil
}

// resolveVpcAccess completes a VPC backend whose VpcConfig names an
// authorization only, from DescribeVpcAccesses (read once, on first need).
func (c *collection) resolveVpcAccess(ctx context.Context, b snapshot.Backend) snapshot.Backend {
	if b.Protocol != "VPC" || !vpcOnlyName(b.VPCAccess) {
		return b
	}
	if !c.vpcRead {
		c.vpcRead = true
		c.vpcAccesses = c.readVpcAccesses(ctx)
	}
	name := str(b.VPCAccess["Name"])
	for _, va := range c.vpcAccesses {
		if str(va["Name"]) == name {
			b.VPCAccess = va
			if p, err := strconv.Atoi(str(va["Port"])); err == nil && p > 0 && p <= 65535 {
				b.Port = p
			}
			break
		}
	}
	return b
}

func vpcOnlyName(v map[string]any) bool {
	return str(v["Name"]) != "" && str(v["VpcId"]) == "" && str(v["InstanceId"]) == ""
}

func (c *collection) readVpcAccesses(ctx context.Context) []map[string]any {
	var out []map[string]any
	seen := map[string]bool{}
	for page := 1; page <= 100; page++ {
		body, err := c.call(ctx, cloud.ProductCloudAPI, "DescribeVpcAccesses", map[string]string{
			"PageSize": "100", "PageNumber": strconv.Itoa(page),
		})
		if err != nil {
			_ = c.optional("DescribeVpcAccesses", err)
			return out
		}
		items, isList := lookup(body, "VpcAccessAttributes", "VpcAccessAttribute").([]any)
		if !isList {
			c.record("DescribeVpcAccesses", CodeUnreadableResponse, "page %d of the VPC access authorizations has no VpcAccessAttributes.VpcAccessAttribute list", page)
			return out
		}
		added := 0
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				key := str(m["VpcAccessId"]) + "/" + str(m["Name"]) + "/" + str(m["VpcId"]) + "/" + str(m["InstanceId"]) + "/" + str(m["Port"])
				if !seen[key] {
					seen[key] = true
					out = append(out, m)
					added++
				}
			}
		}
		if len(items) < 100 {
			return out
		}
		if added == 0 {
			c.record("DescribeVpcAccesses", CodeRepeatedPage, "page %d added no VPC access authorization not listed before; listing stopped", page)
			return out
		}
	}
	return out
}

// protocols maps ServiceProtocol spellings to the snapshot's names.
var protocols = map[string]string{
	"http": "HTTP", "https": "HTTPS", "vpc": "VPC",
	"functioncompute": "FunctionCompute", "fc": "FunctionCompute",
	"oss": "OSS", "eventbridge": "EventBridge", "mock": "Mock",
}

// backend builds the entry of one deployed API. ok is false when the API
// has no usable ServiceConfig (recorded as a collection error).
func (c *collection) backend(ctx context.Context, sum, deployed map[string]any, stage string) (snapshot.Backend, bool) {
	apiID := firstNonEmpty(str(deployed["ApiId"]), str(sum["ApiId"]))
	b := snapshot.Backend{
		APIID:   apiID,
		APIName: firstNonEmpty(str(deployed["ApiName"]), str(sum["ApiName"])),
		Stage:   stage,
	}
	sc, _ := deployed["ServiceConfig"].(map[string]any)
	if sc == nil {
		c.snap.CollectionErrors = append(c.snap.CollectionErrors, snapshot.CollectionError{Call: "DescribeDeployedApi",
			Code: "MissingServiceConfig", Message: fmt.Sprintf("API %s has no ServiceConfig on stage %s", apiID, stage)})
		return b, false
	}
	raw := str(sc["ServiceProtocol"])
	proto, known := protocols[strings.ToLower(raw)]
	vpc, _ := sc["VpcConfig"].(map[string]any)
	switch {
	case truthy(sc["Mock"]):
		proto, known = "Mock", true
	case truthy(sc["ServiceVpcEnable"]) && len(vpc) > 0:
		proto, known = "VPC", true
		b.VPCAccess = vpc
	}
	if !known {
		c.snap.CollectionErrors = append(c.snap.CollectionErrors, snapshot.CollectionError{Call: "DescribeDeployedApi",
			Code: "UnknownServiceProtocol", Message: fmt.Sprintf("API %s: ServiceProtocol %q is not one the rules know", apiID, raw)})
		return b, false
	}
	b.Protocol = proto
	b.Address = str(sc["ServiceAddress"])
	if proto != "HTTP" && proto != "HTTPS" && proto != "VPC" {
		return b, true // FunctionCompute, OSS, EventBridge, Mock: no network backend of the user's
	}
	scheme, host, port, vars := splitAddress(b.Address)
	if !strings.Contains(host, "#") {
		b.Host = host
	}
	if p, err := strconv.Atoi(port); err == nil && p > 0 && p <= 65535 {
		b.Port = p
	}
	if proto == "VPC" {
		if p, err := strconv.Atoi(str(vpc["Port"])); err == nil && p > 0 && p <= 65535 {
			b.Port = p
		}
	}
	if b.Port == 0 && !strings.Contains(port, "#") && (b.Address != "" || proto != "VPC") {
		b.Port = 80
		if scheme == "https" || (scheme == "" && proto == "HTTPS") {
			b.Port = 443
		}
	}
	switch {
	case len(vars) > 0:
		b.Unresolved = fmt.Sprintf("address %s uses stage variable %s; its value per stage is not read, so the backend is not resolved", b.Address, strings.Join(vars, ", "))
	case b.Host == "":
		if proto != "VPC" {
			b.Unresolved = "no service address"
		}
	default:
		if a, err := netip.ParseAddr(strings.Trim(b.Host, "[]")); err == nil {
			b.IPs = []string{a.Unmap().String()}
		} else if why := c.privateDNSName(b.Host); why != "" && proto != "VPC" {
			b.Unresolved = why // resolved by the gateway, not by the local resolver (extra.go)
		} else if proto != "VPC" { // a VPC authorization name is not a DNS name
			ips, err := c.req.Resolver.LookupHost(ctx, b.Host)
			if err != nil {
				b.Unresolved = fmt.Sprintf("resolving %s failed: %v", b.Host, err)
			} else {
				b.IPs = normalizeIPs(ips)
			}
		}
	}
	b.Allowlist = c.req.Config.AllowlistFor(b.Host, b.IPs)
	return b, true
}

// splitAddress splits "http://host:port/path" without net/url, which
// would read "#host#" as a fragment. vars lists the stage variables.
func splitAddress(addr string) (scheme, host, port string, vars []string) {
	rest := strings.TrimSpace(addr)
	if s, r, ok := strings.Cut(rest, "://"); ok {
		scheme, rest = strings.ToLower(s), r
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	host = rest
	switch {
	case strings.HasPrefix(rest, "["): // [IPv6]:port
		if end := strings.Index(rest, "]"); end > 0 {
			host = rest[1:end]
			port = strings.TrimPrefix(rest[end+1:], ":")
		}
	case strings.Count(rest, ":") == 1:
		host, port, _ = strings.Cut(rest, ":")
	}
	for s := addr; ; {
		i := strings.Index(s, "#")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+1:], "#")
		if j < 0 {
			break
		}
		v := s[i : i+j+2]
		if !slices.Contains(vars, v) {
			vars = append(vars, v)
		}
		s = s[i+j+2:]
	}
	return scheme, host, port, vars
}

func normalizeIPs(in []string) []string {
	out := []string{}
	for _, s := range in {
		if a, err := netip.ParseAddr(s); err == nil {
			s = a.Unmap().String()
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func (c *collection) window(now time.Time) (from, to time.Time) {
	return now.Add(-c.req.Lookback), now
}

func jsonType(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("a %T", v)
}

// list walks objects by keys and returns the array at the end, if any.
func list(m map[string]any, keys ...string) []any {
	l, _ := lookup(m, keys...).([]any)
	return l
}

// lookup walks objects by keys and returns the value at the end, if any.
func lookup(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

// str renders a loose scalar (string, json.Number, bool) as a string.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	}
	return ""
}

// truthy accepts true and "true"/"TRUE" in any case.
func truthy(v any) bool {
	return strings.EqualFold(strings.TrimSpace(str(v)), "true")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// humanDuration writes whole days as "7d" and anything else as Go does.
func humanDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
