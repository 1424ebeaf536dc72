// Package calls is the registry of the cloud calls the tool makes: one row
// per call with its product, action, RAM action, whether the collection
// needs it to succeed, and which rules a failed read leaves undecided.
//
// It is plain data and imports nothing of the SDK, so that the rule engine
// (which hands the registry to the rules as data.apigw.calls) and the tests
// of the emulator can use it without depending on package cloud.
package calls

import (
	"slices"
	"strings"
)

// Products, as the SDK and the emulator name them.
const (
	ProductCloudAPI = "CloudAPI"
	ProductECS      = "Ecs"
)

// Call is one row of the registry.
type Call struct {
	Product string
	Action  string
	// RAMAction is the permission the call needs, e.g.
	// "apigateway:DescribeApiGroup".
	RAMAction string
	// Essential: without its answer there is no snapshot (a failure ends
	// the collection); a failed read of any other call is recorded in the
	// snapshot's collectionErrors.
	Essential bool
	// Write: the call changes the cloud (the migration itself).
	Write bool
	// Listing: a read an audit makes to find its groups and instances,
	// not part of a snapshot's collection.
	Listing bool
	// Rules are the IDs of the rules that need the call's data: a failed
	// read leaves them undecided (MIG015 names them).
	Rules []string
}

// registry lists the calls in the order a collection makes them, the
// write last.
var registry = []Call{
	{Product: ProductCloudAPI, Action: "DescribeApiGroup", Essential: true},
	{Product: ProductCloudAPI, Action: "DescribeInstances", Essential: true},
	{Product: ProductCloudAPI, Action: "DescribeApis", Rules: []string{"MIG004", "MIG008", "MIG009", "MIG018", "MIG019"}},
	{Product: ProductCloudAPI, Action: "DescribeDeployedApi", Rules: []string{"MIG004", "MIG008", "MIG009", "MIG018", "MIG019"}},
	{Product: ProductCloudAPI, Action: "DescribeVpcAccesses", Rules: []string{"MIG004", "MIG008", "MIG009", "MIG018", "MIG019"}},
	{Product: ProductCloudAPI, Action: "DescribeApi", Rules: []string{"MIG004", "MIG008", "MIG009", "MIG018", "MIG019"}},
	{Product: ProductCloudAPI, Action: "DescribeBackendInfo", Rules: []string{"MIG004", "MIG008", "MIG009", "MIG018", "MIG019"}},
	{Product: ProductCloudAPI, Action: "DescribeGroupQps", Rules: []string{"MIG001"}},
	{Product: ProductCloudAPI, Action: "DescribeInstanceQps", Rules: []string{"MIG001"}},
	{Product: ProductECS, Action: "DescribeNetworkInterfaces", Rules: []string{"MIG009"}},
	{Product: ProductECS, Action: "DescribeSecurityGroups", Rules: []string{"MIG009"}},
	{Product: ProductECS, Action: "DescribeSecurityGroupAttribute", Rules: []string{"MIG009"}},
	// The audit's listings: every group of a region, every instance.
	{Product: ProductCloudAPI, Action: "DescribeApiGroups", Essential: true, Listing: true},
	// Second-wave reads: plug-ins (their backends feed the backend rules) and
	// the group's VPC whitelist.
	{Product: ProductCloudAPI, Action: "DescribePluginsByGroup", Rules: []string{"MIG004", "MIG008", "MIG009", "MIG018", "MIG019", "MIG021", "MIG025"}},
	{Product: ProductCloudAPI, Action: "DescribeApiGroupVpcWhitelist", Rules: []string{"MIG024"}},
	{Product: ProductCloudAPI, Action: "ModifyApiGroupInstance", Essential: true, Write: true},
}

func init() {
	for i := range registry {
		c := &registry[i]
		c.RAMAction = ramPrefix[c.Product] + ":" + c.Action
	}
}

var ramPrefix = map[string]string{ProductCloudAPI: "apigateway", ProductECS: "ecs"}

// All returns the registry, one row per call.
func All() []Call {
	out := slices.Clone(registry)
	for i := range out {
		out[i].Rules = slices.Clone(out[i].Rules)
	}
	return out
}

// Lookup finds the row of an action, matched case-insensitively.
func Lookup(action string) (Call, bool) {
	for _, c := range registry {
		if strings.EqualFold(c.Action, strings.TrimSpace(action)) {
			c.Rules = slices.Clone(c.Rules)
			return c, true
		}
	}
	return Call{}, false
}

// Data is the registry as the rules read it, data.apigw.calls: an object
// keyed by action, each value holding product, ramAction, essential, write
// and rules.
func Data() map[string]any {
	out := make(map[string]any, len(registry))
	for _, c := range registry {
		rules := make([]any, len(c.Rules))
		for i, r := range c.Rules {
			rules[i] = r
		}
		out[c.Action] = map[string]any{
			"product":   c.Product,
			"ramAction": c.RAMAction,
			"essential": c.Essential,
			"write":     c.Write,
			"rules":     rules,
		}
	}
	return out
}
