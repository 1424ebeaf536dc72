// Package snapshot owns the snapshot contract (apigw-preflight/v1): its Go
// types, its JSON Schema, and loading and validating snapshot files. It
// does not talk to the cloud; package collector writes snapshots.
package snapshot

import "encoding/json"

// SchemaVersion is the contract this build reads and writes.
const SchemaVersion = "apigw-preflight/v1"

// MaxSnapshotBytes is the largest snapshot, in bytes, that the contract
// admits: LoadFile (check) reads no more, and a collection must not write a
// larger one, so every snapshot written can be checked.
const MaxSnapshotBytes = 64 << 20

// Snapshot is one pending migration: an API group, the instance it lives on
// and the instance it should move to. The three cloud objects are kept
// verbatim (the API's own field names and value forms); what the collector
// adds lives in separate top-level sections.
type Snapshot struct {
	SchemaVersion string `json:"schemaVersion"`
	// CollectedAt is the RFC 3339 UTC time the cloud state was read.
	CollectedAt string `json:"collectedAt"`
	RegionID    string `json:"regionId"`
	// Group is the DescribeApiGroup response body.
	Group map[string]any `json:"group"`
	// Source is the DescribeInstances InstanceAttribute of group.InstanceId.
	Source map[string]any `json:"source"`
	// Destination is the DescribeInstances InstanceAttribute of the target.
	Destination map[string]any `json:"destination"`
	// Backends is nil when not collected (rules then say they could not
	// check), and empty when the group has no backends.
	Backends []Backend `json:"backends,omitzero"`
	// ENISecurityGroups holds DescribeSecurityGroupAttribute bodies, one per
	// security group bound to the destination's ENI, each with the
	// SecurityGroupType from DescribeSecurityGroups added.
	ENISecurityGroups []map[string]any `json:"eniSecurityGroups,omitzero"`
	// NetworkInterfaces holds ECS DescribeNetworkInterfaces
	// NetworkInterfaceSet objects for the destination's ENIs (VPC
	// integration only), verbatim: which security groups each ENI carries.
	NetworkInterfaces []map[string]any  `json:"networkInterfaces,omitzero"`
	Traffic           *Load             `json:"traffic,omitempty"`
	DestinationLoad   *Load             `json:"destinationLoad,omitempty"`
	CollectionErrors  []CollectionError `json:"collectionErrors,omitempty"`
	Collector         *Program          `json:"collector,omitempty"`
	// Plugins are the DescribePluginsByGroup PluginAttribute objects of
	// every stage, verbatim, each with the StageName it was read for; nil
	// when not collected.
	Plugins []map[string]any `json:"plugins,omitzero"`
	// VPCWhitelist is the DescribeApiGroupVpcWhitelist body (VpcIds, a
	// comma-separated string); nil when not collected.
	VPCWhitelist map[string]any `json:"vpcWhitelist,omitempty"`
}

// Backend is one backend an API of the group sends traffic to.
type Backend struct {
	APIID    string `json:"apiId,omitempty"`
	APIName  string `json:"apiName,omitempty"`
	Stage    string `json:"stage,omitempty"`
	Protocol string `json:"protocol"`
	Address  string `json:"address,omitempty"`
	Host     string `json:"host,omitempty"`
	Port     int    `json:"port,omitempty"`
	// IPs are the addresses Host resolved to when collected.
	IPs []string `json:"ips"`
	// VPCAccess is the VPC access authorization the backend is reached
	// through, verbatim from DescribeVpcAccesses / ServiceConfig.VpcConfig.
	VPCAccess map[string]any `json:"vpcAccess,omitempty"`
	// Allowlist is what the backend accepts traffic from. nil (JSON null)
	// means unknown, which is not the same as empty (allows nothing).
	Allowlist []string `json:"allowlist"`
	// Unresolved explains why the address could not be resolved (a stage
	// variable such as #host#); empty when resolved.
	Unresolved string `json:"unresolved,omitempty"`
	// Source says where the backend was found: "service" (the API's
	// ServiceConfig; also when empty), "backend-service" or "plugin".
	Source string `json:"source,omitempty"`
	// Plugin names the plug-in and route a backend of source "plugin"
	// comes from.
	Plugin *PluginRef `json:"plugin,omitempty"`
}

// PluginRef names the plug-in (and its route) that defines a backend.
type PluginRef struct {
	ID    string `json:"pluginId"`
	Name  string `json:"pluginName,omitempty"`
	Stage string `json:"stage,omitempty"`
	// Route is the routing plug-in's route name, empty for other plug-ins
	// (a third-party authentication service).
	Route string `json:"route,omitempty"`
}

// Load is observed traffic over a window.
type Load struct {
	// PeakRPS is the peak of the stages' sum per time point.
	PeakRPS float64 `json:"peakRps"`
	From    string  `json:"from"`
	To      string  `json:"to"`
	// Stage names the one stage read, when only one was.
	Stage string `json:"stage,omitempty"`
	// Stages holds the peak of each stage read (RELEASE, PRE, TEST) that
	// had data points.
	Stages map[string]float64 `json:"stages,omitempty"`
}

// CollectionError records a read that failed; the snapshot is still written.
type CollectionError struct {
	Call    string `json:"call"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Program names the program that wrote a snapshot.
type Program struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Marshal renders a snapshot as indented JSON with a trailing newline, the
// form written to files.
func (s *Snapshot) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
