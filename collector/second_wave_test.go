package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// The demo world's second-wave groups: catalog (every new check fires) and
// search (the healthy counterpart).
const (
	catalogGroup = "c4a8e2f60b1d4c7e9a3f5b7d1e0c2a48"
	catalogDest  = "apigateway-hz-2b7e4f1a9c30"
	searchGroup  = "2d6f0b4e8a1c4e9b7d3f5a1c0e2b4d68"
	searchDest   = "apigateway-hz-7a4c1e9b3d52"
)

// demoCollect collects one group of the demo world through the real SDK
// over loopback, at the given time, with the demo's allowlists.
func demoCollect(t *testing.T, group, dest string, now time.Time) *snapshot.Snapshot {
	t.Helper()
	w, err := emulator.LoadWorld("../testdata/worlds/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(emulator.New(w))
	t.Cleanup(hs.Close)
	client, err := cloud.NewClient(cloud.ClientOptions{RegionID: "cn-hangzhou", Endpoint: hs.URL,
		Key: &cloud.AccessKey{ID: "LTAI5tDemoPreflight0001", Secret: "demo-secret-not-for-production"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadConfig("../testdata/worlds/demo-config.yaml", true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := Collect(ctx, client, Request{GroupID: group, TargetInstanceID: dest, RegionID: "cn-hangzhou",
		Now: func() time.Time { return now }, Config: cfg, Resolver: fakeResolver{}, Retry: &fastRetry})
	if err != nil {
		t.Fatalf("Collect %s: %v", group, err)
	}
	if len(snap.CollectionErrors) > 0 {
		t.Fatalf("collection errors: %+v", snap.CollectionErrors)
	}
	return snap
}

// findingKeys evaluates the built-in rules on snap: rule ID -> the keys of
// its findings (with "!" appended to undecided ones), sorted.
func findingKeys(t *testing.T, snap *snapshot.Snapshot) (map[string][]string, []report.Finding) {
	t.Helper()
	raw, err := snap.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Parse("collected.json", raw); err != nil {
		t.Fatalf("the collected snapshot does not validate: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	eng, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	input, err := policies.InputValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	fs, errs, err := eng.Evaluate(context.Background(), input)
	if err != nil || len(errs) > 0 {
		t.Fatalf("evaluate: %v %+v", err, errs)
	}
	out := map[string][]string{}
	for _, f := range fs {
		k := f.Key
		if f.Undecided {
			k += "!"
		}
		out[f.RuleID] = append(out[f.RuleID], k)
	}
	for id := range out {
		sort.Strings(out[id])
	}
	return out, fs
}

// TestSecondWaveRulesAgainstTheEmulator: run through the real SDK against
// the emulator, each second-wave rule fires on the demo's catalog group
// with exactly the findings its data calls for, and is quiet on search.
func TestSecondWaveRulesAgainstTheEmulator(t *testing.T) {
	// 23:30 UTC: inside catalog's destination window (23:00-01:00);
	// 08:00 UTC: far from search's (12:00-12:30). Today, because the demo's
	// QPS samples are relative to the emulator's start.
	day := time.Now().UTC().Truncate(24 * time.Hour)
	at := day.Add(23*time.Hour + 30*time.Minute)
	catalog, catalogFindings := findingKeys(t, demoCollect(t, catalogGroup, catalogDest, at))
	search, searchFindings := findingKeys(t, demoCollect(t, searchGroup, searchDest, day.Add(8*time.Hour)))
	cases := []struct {
		rule          string
		fires, healty []string
	}{
		{"MIG018", []string{"not-vpc-connect/0"}, nil},
		{"MIG019", []string{"missing/stock.corp.internal"}, nil},
		{"MIG020", []string{"whitelist/IPv4"}, nil},
		{"MIG021", []string{"plugin/1!"}, nil},
		{"MIG022", []string{"smaller-than-source"}, []string{"serverless-source"}},
		{"MIG023", []string{"domain/catalog.example.com"}, nil},
		{"MIG024", []string{"whitelist"}, nil},
		{"MIG025", []string{"plugin/0"}, nil},
		{"MIG026", []string{"window"}, nil},
	}
	for _, c := range cases {
		if got := catalog[c.rule]; !slices.Equal(got, c.fires) {
			t.Errorf("%s on catalog: keys %q, want %q", c.rule, got, c.fires)
		}
		if got := search[c.rule]; !slices.Equal(got, c.healty) {
			t.Errorf("%s on search: keys %q, want %q", c.rule, got, c.healty)
		}
	}
	for _, f := range searchFindings {
		if f.Severity >= report.SeverityWarning {
			t.Errorf("search is the healthy group, but %s %s: %s", f.RuleID, f.Severity, f.Message)
		}
	}
	// The messages carry the world's values.
	want := map[string]string{
		"MIG018": "backend http://10.0.5.9:8080 (API GetProduct) is addressed by private IP 10.0.5.9 without a VPC channel",
		"MIG019": "resolves through private DNS record stock.corp.internal bound to source apigateway-hz-5c0d9e8f7a61, but destination apigateway-hz-2b7e4f1a9c30 (a conventional dedicated instance) does not have stock.corp.internal bound",
		"MIG020": "destination apigateway-hz-2b7e4f1a9c30 has IPv4 access control whitelist acl-bp1partners000001 (partners) switched on, which source apigateway-hz-5c0d9e8f7a61 does not apply (blacklist acl-bp1scrapers000001 (scrapers))",
		"MIG021": "plug-in catalog-partner-auth (remoteAuth, stage RELEASE) bound to group catalog (c4a8e2f60b1d4c7e9a3f5b7d1e0c2a48): its PluginData is not YAML or JSON",
		"MIG022": "inbound connections 50,000 instead of 200,000",
		"MIG023": "custom domain catalog.example.com of group catalog (c4a8e2f60b1d4c7e9a3f5b7d1e0c2a48) has DomainCNAMEStatus UNRESOLVED",
		"MIG024": "is called over VPC from vpc-bp1catalog0000000001 (VPC whitelist), but destination apigateway-hz-2b7e4f1a9c30 is bound to VPC vpc-bp1front000000000002 (IntranetSegments 10.30.0.0/16)",
		"MIG025": "caching plug-in catalog-cache (stage RELEASE, keeping responses for 600s)",
		"MIG026": "taken at 23:30 UTC (" + at.Format(time.RFC3339) + "), inside destination apigateway-hz-2b7e4f1a9c30's maintenance window 23:00-01:00 UTC",
	}
	for _, f := range catalogFindings {
		if w, ok := want[f.RuleID]; ok && !strings.Contains(f.Message, w) {
			t.Errorf("%s message %q lacks %q", f.RuleID, f.Message, w)
		}
	}
}

// TestCollectsPluginsAndWhitelist: the plug-ins of every stage the group
// has, verbatim with their stage; the routing plug-in's route as a backend
// of source plugin, resolved and allowlisted like any other; the VPC
// whitelist verbatim; a name in the source's private DNS not resolved
// locally.
func TestCollectsPluginsAndWhitelist(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Minute)
	search := demoCollect(t, searchGroup, searchDest, now)
	var names []string
	for _, p := range search.Plugins {
		names = append(names, str(p["PluginName"])+"@"+str(p["StageName"])+"/"+str(p["PluginType"]))
	}
	if want := []string{"search-canary@RELEASE/routing", "search-office-only@RELEASE/ipControl"}; !slices.Equal(names, want) {
		t.Errorf("plugins %q, want %q", names, want)
	}
	var route *snapshot.Backend
	for i, b := range search.Backends {
		if b.Source == "plugin" {
			route = &search.Backends[i]
		}
	}
	if route == nil || route.Plugin == nil || route.Plugin.Route != "canary" || route.Plugin.ID != "3a5c7e9b1d3f4a6c8e0b2d4f6a8c0e2f" ||
		route.Protocol != "HTTP" || route.Host != "47.97.60.7" || route.Port != 80 || !slices.Equal(route.IPs, []string{"47.97.60.7"}) ||
		!slices.Equal(route.Allowlist, []string{"47.96.1.0/24", "47.98.150.3"}) || route.Stage != "RELEASE" {
		t.Errorf("plug-in backend = %+v (plugin %+v)", route, route.Plugin)
	}
	if v, ok := search.VPCWhitelist["VpcIds"]; !ok || v != "" {
		t.Errorf("search whitelist = %#v, want VpcIds \"\"", search.VPCWhitelist)
	}
	catalog := demoCollect(t, catalogGroup, catalogDest, now)
	if v := catalog.VPCWhitelist["VpcIds"]; v != "vpc-bp1catalog0000000001,vpc-bp1front000000000002" {
		t.Errorf("catalog whitelist = %#v", catalog.VPCWhitelist)
	}
	for _, b := range catalog.Backends {
		if b.Host == "stock.corp.internal" && (b.IPs != nil || !strings.Contains(b.Unresolved, "private DNS record stock.corp.internal of instance apigateway-hz-5c0d9e8f7a61")) {
			t.Errorf("a private DNS name was resolved locally: %+v", b)
		}
	}
	if len(catalog.Plugins) != 2 || catalog.Plugins[1]["PluginType"] != "remoteAuth" {
		t.Errorf("catalog plugins = %+v", catalog.Plugins)
	}
}

// A failed plug-in read is recorded and leaves the plug-ins uncollected;
// the rest of the snapshot is written.
func TestPluginReadFailureIsRecorded(t *testing.T) {
	e := startWorld(t, baseWorld)
	e.srv.AddFault(emulator.Fault{Action: "DescribePluginsByGroup", Code: "Forbidden.RAM", Status: 403})
	e.srv.AddFault(emulator.Fault{Action: "DescribeApiGroupVpcWhitelist", Code: "Forbidden.RAM", Status: 403})
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	for _, ce := range snap.CollectionErrors {
		calls = append(calls, ce.Call+"/"+ce.Code)
	}
	if want := []string{"DescribePluginsByGroup/Forbidden.RAM", "DescribeApiGroupVpcWhitelist/Forbidden.RAM"}; !slices.Equal(calls, want) {
		t.Errorf("collection errors %q, want %q", calls, want)
	}
	if snap.Plugins != nil || snap.VPCWhitelist != nil {
		t.Errorf("plugins %v, whitelist %v: a failed read must leave them absent", snap.Plugins, snap.VPCWhitelist)
	}
	if snap.Backends == nil {
		t.Error("the backends were lost")
	}
}

// Routes of every backend type become backends of source plugin: HTTP at
// an address, HTTP-VPC through the VPC access authorization it names,
// MOCK and FC without a network hop; a third-party authentication service
// too. A route without an address gives none (MIG021 names it).
func TestPluginRoutesBecomeBackends(t *testing.T) {
	world := strings.Replace(baseWorld, "groupQps:", `vpcAccesses:
  - {Name: slbAccessForVip, VpcId: vpc-9, InstanceId: lb-9, Port: "8443", VpcAccessId: va-9}
groupQps:`, 1) + `
groupPlugins:
  "523e8dc7bbe04613b5b1d726c2a7889d":
    PRE:
      - PluginId: p-route
        PluginName: blue-green
        PluginType: routing
        PluginData: |
          routes:
          - name: canary
            backend: {type: HTTP, address: "https://backend.example.com"}
          - name: vip
            backend: {type: HTTP-VPC, vpcAccessName: slbAccessForVip}
          - name: old
            backend: {type: MOCK, statusCode: 400}
          - name: fn
            backend: {type: FC}
          - name: broken
            backend: {type: HTTP}
      - PluginId: p-auth
        PluginName: sso
        PluginType: remoteAuth
        PluginData: '{"authUriType": "HTTP", "authUri": {"address": "http://47.97.7.7:8080", "path": "/auth"}}'
`
	e := startWorld(t, world)
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range snap.Backends {
		if b.Source != "plugin" {
			continue
		}
		got = append(got, fmt.Sprintf("%s/%s/%s %s %s:%d %v allow=%v vpc=%v", b.Plugin.ID, b.Plugin.Route, b.Stage, b.Protocol, b.Host, b.Port, b.IPs, b.Allowlist, b.VPCAccess["VpcId"]))
	}
	want := []string{
		"p-route/canary/PRE HTTPS backend.example.com:443 [2408:4000::1 47.97.5.5] allow=[] vpc=<nil>",
		"p-route/vip/PRE VPC :8443 [] allow=[] vpc=vpc-9",
		"p-route/old/PRE Mock :0 [] allow=[] vpc=<nil>",
		"p-route/fn/PRE FunctionCompute :0 [] allow=[] vpc=<nil>",
		"p-auth//PRE HTTP 47.97.7.7:8080 [47.97.7.7] allow=[47.96.0.0/16 100.104.0.0/16] vpc=<nil>",
	}
	if !slices.Equal(got, want) {
		t.Errorf("plug-in backends:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(snap.Plugins) != 2 || snap.Plugins[0]["StageName"] != "PRE" {
		t.Errorf("plugins = %+v", snap.Plugins)
	}
}
