package collector

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// The reads added for the second wave of rules: the plug-ins bound to the
// group on every stage (and the backends their routes and authentication
// services name), and the group's VPC whitelist. Each is optional: a
// failure is recorded in collectionErrors and the collection goes on.

// pluginPageSize is the page size of DescribePluginsByGroup.
const pluginPageSize = 100

// groupStages are the stages the group has (StageItems.StageInfo[]), in
// the order RELEASE, PRE, TEST; all three when the group does not say.
func (c *collection) groupStages() []string {
	have := map[string]bool{}
	for _, it := range list(c.snap.Group, "StageItems", "StageInfo") {
		m, _ := it.(map[string]any)
		have[strings.ToUpper(strings.TrimSpace(str(m["StageName"])))] = true
	}
	var out []string
	for _, st := range []string{"RELEASE", "PRE", "TEST"} {
		if len(have) == 0 || have[st] {
			out = append(out, st)
		}
	}
	return out
}

// plugins reads DescribePluginsByGroup for every stage (GroupId and
// StageName are both required), keeps each PluginAttribute verbatim with
// the StageName it was read for, and adds the backends that routing and
// third-party authentication plug-ins name to the snapshot's backends
// (source "plugin") when those were collected.
func (c *collection) plugins(ctx context.Context, _ time.Time) error {
	all := []map[string]any{}
	failed := false
	for _, stage := range c.groupStages() {
		c.progress("reading plug-ins of stage %s", stage)
		items, ok, stop := c.stagePlugins(ctx, stage)
		if stop != nil {
			return stop
		}
		all = append(all, items...)
		if !ok {
			failed = true // recorded once: the other stages would fail alike
			break
		}
	}
	if failed && len(all) == 0 {
		return nil // not collected: the recorded error says why
	}
	c.snap.Plugins = all
	if c.snap.Backends == nil {
		return nil // the backends were not collected; MIG021 reports the routes
	}
	for _, p := range all {
		for _, b := range c.pluginBackends(ctx, p) {
			c.snap.Backends = append(c.snap.Backends, c.resolveVpcAccess(ctx, b))
		}
	}
	return nil
}

// stagePlugins pages the plug-ins of one stage. ok is false when the read
// failed (recorded).
func (c *collection) stagePlugins(ctx context.Context, stage string) (items []map[string]any, ok bool, stop error) {
	seen := map[string]bool{}
	for page := 1; page <= 100; page++ {
		body, err := c.call(ctx, cloud.ProductCloudAPI, "DescribePluginsByGroup", map[string]string{
			"GroupId": c.req.GroupID, "StageName": stage, "PageSize": strconv.Itoa(pluginPageSize), "PageNumber": strconv.Itoa(page),
		})
		if err != nil {
			return items, false, c.optional("DescribePluginsByGroup", err)
		}
		raw, isList := lookup(body, "Plugins", "PluginAttribute").([]any)
		if !isList {
			c.record("DescribePluginsByGroup", CodeUnreadableResponse, "page %d of the plug-ins of group %s on stage %s has no Plugins.PluginAttribute list (RequestId %s)",
				page, c.req.GroupID, stage, str(body["RequestId"]))
			return items, false, nil
		}
		added := 0
		for _, it := range raw {
			m, _ := it.(map[string]any)
			id := str(m["PluginId"])
			if m == nil || id == "" {
				c.record("DescribePluginsByGroup", CodeUnreadableResponse, "stage %s lists a plug-in without a PluginId; it is not read", stage)
				continue
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, has := m["StageName"]; !has {
				m["StageName"] = stage
			}
			items = append(items, m)
			added++
		}
		total, err := strconv.Atoi(str(body["TotalCount"]))
		if (err == nil && len(items) >= total) || (err != nil && len(raw) < pluginPageSize) || len(raw) == 0 {
			return items, true, nil
		}
		if added == 0 {
			c.record("DescribePluginsByGroup", CodeRepeatedPage, "page %d of stage %s added no plug-in not listed before; listing stopped after %d", page, stage, len(items))
			return items, true, nil
		}
	}
	return items, true, nil
}

// pluginDefinition is the part of a routing or third-party authentication
// plug-in's PluginData (YAML or JSON) that names backends.
type pluginDefinition struct {
	Routes []struct {
		Name    string `yaml:"name"`
		Backend struct {
			Type          string `yaml:"type"`
			Address       string `yaml:"address"`
			VpcAccessName string `yaml:"vpcAccessName"`
		} `yaml:"backend"`
	} `yaml:"routes"`
	AuthURIType string `yaml:"authUriType"`
	AuthURI     *struct {
		Address       string `yaml:"address"`
		VpcAccessName string `yaml:"vpcAccessName"`
	} `yaml:"authUri"`
}

// pluginBackends are the backends one plug-in defines. A definition that
// does not parse gives none: MIG021 reads PluginData itself and reports it.
func (c *collection) pluginBackends(ctx context.Context, p map[string]any) []snapshot.Backend {
	typ := strings.ToLower(strings.TrimSpace(str(p["PluginType"])))
	var def pluginDefinition
	if err := yaml.Unmarshal([]byte(str(p["PluginData"])), &def); err != nil {
		return nil
	}
	ref := snapshot.PluginRef{ID: str(p["PluginId"]), Name: str(p["PluginName"]), Stage: strings.ToUpper(str(p["StageName"]))}
	var out []snapshot.Backend
	if typ == "routing" || len(def.Routes) > 0 {
		for _, r := range def.Routes {
			rref := ref
			rref.Route = r.Name
			if b, ok := c.pluginBackend(ctx, rref, r.Backend.Type, r.Backend.Address, r.Backend.VpcAccessName); ok {
				out = append(out, b)
			}
		}
	}
	if def.AuthURI != nil {
		kind := def.AuthURIType
		if kind == "" {
			kind = "HTTP"
		}
		if b, ok := c.pluginBackend(ctx, ref, kind, def.AuthURI.Address, def.AuthURI.VpcAccessName); ok {
			out = append(out, b)
		}
	}
	return out
}

// pluginBackend builds the entry of one route (or authentication service);
// ok is false when it names no address of the network (MIG021 says which).
func (c *collection) pluginBackend(ctx context.Context, ref snapshot.PluginRef, kind, address, vpcName string) (snapshot.Backend, bool) {
	r := ref
	b := snapshot.Backend{Stage: ref.Stage, Source: "plugin", Plugin: &r}
	switch k := strings.ToUpper(strings.TrimSpace(kind)); {
	case k == "MOCK":
		b.Protocol = "Mock"
		return b, true
	case k == "FC" || k == "FUNCTIONCOMPUTE":
		b.Protocol = "FunctionCompute"
		return b, true
	case k == "HTTP-VPC":
		if strings.TrimSpace(vpcName) == "" {
			return b, false
		}
		b.Protocol = "VPC"
		b.VPCAccess = map[string]any{"Name": strings.TrimSpace(vpcName)}
		b.IPs = nil
		b.Allowlist = c.req.Config.AllowlistFor("", nil)
		return b, true
	case k == "" || k == "HTTP" || k == "HTTPS":
		if strings.TrimSpace(address) == "" {
			return b, false
		}
		b.Protocol = "HTTP"
		scheme, host, port, vars := splitAddress(address)
		if scheme == "https" || (scheme == "" && k == "HTTPS") {
			b.Protocol = "HTTPS"
		}
		b.Address = strings.TrimSpace(address)
		c.resolveHost(ctx, &b, host, port, vars)
		return b, true
	}
	return b, false
}

// resolveHost fills host, port, ips (or why not) and the allowlist of a
// backend reached at an address.
func (c *collection) resolveHost(ctx context.Context, b *snapshot.Backend, host, port string, vars []string) {
	if !strings.Contains(host, "#") {
		b.Host = host
	}
	if p, err := strconv.Atoi(port); err == nil && p > 0 && p <= 65535 {
		b.Port = p
	} else if !strings.Contains(port, "#") {
		b.Port = 80
		if b.Protocol == "HTTPS" {
			b.Port = 443
		}
	}
	switch {
	case len(vars) > 0:
		b.Unresolved = fmt.Sprintf("address %s uses stage variable %s; its value per stage is not read, so the backend is not resolved", b.Address, strings.Join(vars, ", "))
	case b.Host == "":
		b.Unresolved = "no service address"
	default:
		if a, err := netip.ParseAddr(strings.Trim(b.Host, "[]")); err == nil {
			b.IPs = []string{a.Unmap().String()}
		} else if why := c.privateDNSName(b.Host); why != "" {
			b.Unresolved = why
		} else if ips, err := c.req.Resolver.LookupHost(ctx, b.Host); err != nil {
			b.Unresolved = fmt.Sprintf("resolving %s failed: %v", b.Host, err)
		} else {
			b.IPs = normalizeIPs(ips)
		}
	}
	b.Allowlist = c.req.Config.AllowlistFor(b.Host, b.IPs)
}

// privateDNSName says why host is not resolved locally when the source
// instance resolves it through an instance-level private DNS record
// (PrivateDnsList.PrivateDns, matched exactly or through a leading "*.",
// case-insensitively): the gateway's answer is not the local resolver's,
// so the local one is not asked. "" when no record covers host.
func (c *collection) privateDNSName(host string) string {
	h := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
	if h == "" {
		return ""
	}
	dns, _ := c.snap.Source["PrivateDnsList"].(map[string]any)
	names, _ := dns["PrivateDns"].([]any)
	for _, n := range names {
		name := strings.ToLower(strings.TrimSpace(str(n)))
		if name == h || (strings.HasPrefix(name, "*.") && strings.HasSuffix(h, name[1:])) {
			return fmt.Sprintf("%s resolves through private DNS record %s of instance %s, which only the gateway can query; it is not resolved locally",
				host, name, str(c.snap.Source["InstanceId"]))
		}
	}
	return ""
}

// vpcWhitelist reads DescribeApiGroupVpcWhitelist, kept verbatim.
func (c *collection) vpcWhitelist(ctx context.Context, _ time.Time) error {
	c.progress("reading the VPC whitelist of group %s", c.req.GroupID)
	body, err := c.call(ctx, cloud.ProductCloudAPI, "DescribeApiGroupVpcWhitelist", map[string]string{"GroupId": c.req.GroupID})
	if err != nil {
		return c.optional("DescribeApiGroupVpcWhitelist", err)
	}
	switch body["VpcIds"].(type) {
	case string, nil:
	default:
		c.record("DescribeApiGroupVpcWhitelist", CodeUnreadableResponse, "VpcIds of group %s is %s, not a comma-separated string (RequestId %s)",
			c.req.GroupID, jsonType(body["VpcIds"]), str(body["RequestId"]))
		return nil
	}
	c.snap.VPCWhitelist = body
	return nil
}
