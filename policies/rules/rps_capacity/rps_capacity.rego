# METADATA
# title: Destination RPS capacity
# description: >-
#   After the migration the destination instance's maximum RPS applies to the
#   group. Needed RPS is the group's observed peak (traffic.peakRps, the maximum
#   per-interval value DescribeGroupQps returned over traffic.from..to, summed
#   per time point over every stage the group has, traffic.stages) times
#   (1 + rpsHeadroom, default 0.2), plus the load already on the destination
#   (destinationLoad.peakRps) when collected. The rule fails when that exceeds
#   destination.InstanceRpsLimit, or the spec table's limit for
#   destination.InstanceSpec when InstanceRpsLimit is 0 or missing, and names
#   the smallest dedicated specification that fits. Without traffic data it
#   warns, undecided, when the group's configured cap (group.TrafficLimit)
#   exceeds the destination's limit. When the limit or the peak cannot be
#   read, or a traffic read failed during collection (collectionErrors), it
#   says it could not check. A serverless destination (VPC_SHARED) without a
#   limit of its own allows serverlessGroupRps per group (default 2,500, the
#   Serverless page's figure; the Limits page says 2,000).
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (precautions)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/product-overview/dedicated-instances
#     description: Dedicated instance specifications and their maximum RPS
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/change-instance-specifications
#     description: Change an instance specification (ModifyInstanceSpec)
#   - ref: https://www.alibabacloud.com/help/doc-detail/2854766.html
#     description: Serverless instances ("Maximum inbound RPS per group 2,500")
#   - ref: https://help.aliyun.com/document_detail/29484.html
#     description: Limits (zh; "Serverless实例上,每个API分组的上限为2000")
# custom:
#   id: MIG001
#   name: rps-capacity
#   severity: error
#   remediation: >-
#     Upgrade the destination to a specification whose maximum RPS covers the
#     group's peak plus headroom plus the destination's existing load: console
#     Instances and Clusters > Dedicated Instances > Upgrade, or
#     `aliyun cloudapi ModifyInstanceSpec --InstanceId <destination> --InstanceSpec <spec> --ModifyAction UPGRADE --AutoPay true --Token <uuid>`;
#     an upgrade may add an egress IP, so allowlist it, switch traffic and run
#     the preflight again (MIG004). If even api.s2.large.x6 (60,000 RPS) is too
#     small, split the group.
#   tags: [capacity]
#   params:
#     - name: rpsHeadroom
#       type: number
#       default: 0.2
#       min: 0
#       max: 10
#       description: >-
#         Capacity the destination must have above the group's observed peak,
#         as a fraction (0.2 keeps 20% spare).
#     - name: serverlessGroupRps
#       type: integer
#       default: 2500
#       min: 1
#       description: >-
#         The RPS a serverless instance (VPC_SHARED) allows per group, used
#         when a serverless destination reports no limit of its own. The
#         Serverless instances page says 2,500, the Limits page 2,000: set
#         2000 to plan with the lower figure.
package apigw.rules.rps_capacity

import data.apigw.lib

_dest_spec := lib.get(lib.destination, "InstanceSpec")

# ---- tunables -----------------------------------------------------------------

_headroom := lib.param(rego.metadata.chain(), "rpsHeadroom")

_serverless_group_rps := lib.param(rego.metadata.chain(), "serverlessGroupRps")

_headroom_pct := sprintf("%v", [round(_headroom * 1000) / 10])

# ---- the destination's limit ------------------------------------------------

# The instance's own InstanceRpsLimit, when it is a positive number.
_explicit_limit := n if {
	n := lib.num(object.get(lib.destination, "InstanceRpsLimit", null))
	n > 0
}

_limit := n if {
	n := _explicit_limit
} else := n if {
	n := lib.spec_rps[_dest_spec]
} else := _serverless_group_rps if {
	lib.get(lib.destination, "InstanceType") == "VPC_SHARED"
}

_limit_path := ["destination", "InstanceRpsLimit"] if {
	_explicit_limit
} else := ["destination", "InstanceSpec"]

# "apigateway-hz-ab12cd34ef56 (api.s1.small)" or just the ID.
_dest_label := sprintf("%s (%s)", [lib.destination_id, _dest_spec]) if {
	lib.set(_dest_spec)
} else := lib.destination_id

# ---- observed load ----------------------------------------------------------

_traffic_present if is_object(input.traffic)

# A negative rate is no reading: the rule says it could not check.
_peak := p if {
	p := lib.num(input.traffic.peakRps)
	p >= 0
}

_load := n if {
	n := lib.num(input.destinationLoad.peakRps)
	n >= 0
}

# The group's configured cap, when it is a number of zero or more.
_traffic_cap := c if {
	c := lib.num(object.get(lib.group, "TrafficLimit", null))
	c >= 0
}

_window := sprintf(" over %s to %s", [input.traffic.from, input.traffic.to]) if {
	lib.set(input.traffic.from)
	lib.set(input.traffic.to)
}

default _window := ""

# " summed over stages RELEASE, TEST" when traffic.stages names more than one.
_stages_part := sprintf(", summed over stages %s", [concat(", ", names)]) if {
	is_object(input.traffic.stages)
	names := [st | some st in ["RELEASE", "PRE", "TEST"]; object.get(input.traffic.stages, st, null) != null]
	count(names) > 1
}

default _stages_part := ""

default _load_part := ""

_load_part := sprintf(" plus %s RPS already on the destination", [lib.thousands(_load)]) if _load

default _load_rps := 0

_load_rps := _load

# Rounded to 1/1000 RPS so that float noise (3100 * 1.2 = 3720.0000000000005)
# neither fires the rule nor shows in the message.
_needed := round(((_peak * (1 + _headroom)) + _load_rps) * 1000) / 1000

# ---- the smallest specification that fits ----------------------------------

_fitting_specs(n) := [s | some s in lib.specs; s.rps >= n]

_largest := lib.specs[count(lib.specs) - 1]

_upgrade_advice(n) := sprintf("upgrade to %s (%s) with ModifyInstanceSpec before migrating", [s.spec, lib.thousands(s.rps)]) if {
	s := _fitting_specs(n)[0]
}

_upgrade_advice(n) := sprintf("even %s (%s) is too small, so split the group before migrating", [_largest.spec, lib.thousands(_largest.rps)]) if {
	count(_fitting_specs(n)) == 0
}

_upgrade_fix(n) := sprintf(
	"Before migrating, upgrade %s to %s (%s RPS): in the API Gateway console choose Instances and Clusters > Dedicated Instances, find %s and click Upgrade, or run `aliyun cloudapi ModifyInstanceSpec --InstanceId %s --InstanceSpec %s --ModifyAction UPGRADE --AutoPay true --Token <uuid>` (a new UUID per order); the new specification takes effect in 5 to 10 minutes and running APIs stay available. The upgrade may add an egress IP: the instance then waits in \"Waiting for Traffic Switchover\" (rolled back after 24 hours), so add the new address to the backends' allowlists, click Switch Traffic, then run the preflight again (MIG004 checks the egress addresses).",
	[lib.destination_id, s.spec, lib.thousands(s.rps), lib.destination_id, lib.destination_id, s.spec],
) if {
	lib.get(lib.destination, "InstanceType") != "VPC_SHARED"
	s := _fitting_specs(n)[0]
}

_upgrade_fix(n) := sprintf(
	"Pick a dedicated instance of at least %s (%s RPS) as the destination instead of %s (a serverless instance allows %s RPS per group and cannot be upgraded), or buy one in the console under Instances and Clusters > Dedicated Instances.",
	[s.spec, lib.thousands(s.rps), lib.destination_id, lib.thousands(_serverless_group_rps)],
) if {
	lib.get(lib.destination, "InstanceType") == "VPC_SHARED"
	s := _fitting_specs(n)[0]
}

_upgrade_fix(n) := sprintf(
	"Even the largest dedicated specification, %s (%s RPS), is below the %s RPS needed: split the group's APIs into several groups and migrate them to separate dedicated instances (or a dedicated instance cluster) so that each one's peak fits.",
	[_largest.spec, lib.thousands(_largest.rps), lib.thousands(ceil(n))],
) if {
	count(_fitting_specs(n)) == 0
}

# ---- findings ---------------------------------------------------------------

# Observed peak plus headroom plus existing load exceeds the limit.
findings contains lib.finding({
	"message": sprintf(
		"group %s needs %s RPS on %s but it allows %s: peak %s RPS (maximum observed%s%s) plus %s%% headroom%s; %s",
		[
			lib.label_group, lib.thousands(ceil(_needed)), _dest_label, lib.thousands(_limit),
			lib.thousands(_peak), _window, _stages_part, _headroom_pct, _load_part, _upgrade_advice(_needed),
		],
	),
	"remediation": _upgrade_fix(_needed),
	"resource": lib.destination_resource,
	"path": _limit_path,
	"key": "capacity",
}) if {
	_peak
	_limit
	_needed > _limit
}

# No traffic collected: compare the group's configured cap. The real peak is
# unknown, so the rule has not decided.
findings contains lib.undecided({
	"check": sprintf(
		"the RPS capacity of %s for group %s against its real peak: traffic was not collected, and the group may take up to %s RPS (its TrafficLimit) but %s allows %s; %s",
		[_dest_label, lib.label_group, lib.thousands(cap), _dest_label, lib.thousands(_limit), _upgrade_advice(cap)],
	),
	"remediation": concat(" ", [
		"Collect the group's traffic (DescribeGroupQps) and re-run the preflight to compare the real peak instead of the cap;",
		"until then assume the cap can be reached.",
		_upgrade_fix(cap),
	]),
	"resource": lib.destination_resource,
	"path": ["group", "TrafficLimit"],
	"key": "traffic-limit",
}) if {
	not _traffic_present
	cap := _traffic_cap
	_limit
	cap > _limit
}

# No traffic and no usable TrafficLimit either.
findings contains lib.undecided({
	"check": sprintf(
		"the RPS capacity of %s for group %s: traffic was not collected and group.TrafficLimit is missing or not a number",
		[_dest_label, lib.label_group],
	),
	"remediation": "Grant the collector the RAM action apigateway:DescribeGroupQps and re-collect the snapshot, or add a traffic section with the group's peak RPS by hand from the console's monitoring page (API Groups > group > Monitoring).",
	"resource": lib.group_resource,
	"path": ["group", "TrafficLimit"],
	"key": "traffic-missing",
}) if {
	not _traffic_present
	not _traffic_cap
}

# Traffic section present but its peak is unreadable.
findings contains lib.undecided({
	"check": sprintf(
		"the RPS capacity of %s for group %s: traffic.peakRps is missing or not a number",
		[_dest_label, lib.label_group],
	),
	"remediation": "Re-collect the snapshot so that traffic.peakRps holds the maximum ItemValue of DescribeGroupQps over the observation window, summed per time point over the group's stages (`aliyun cloudapi DescribeGroupQps --GroupId <group> --StageName RELEASE --StartTime <from> --EndTime <to>`, and likewise each other stage).",
	"resource": lib.group_resource,
	"path": ["traffic", "peakRps"],
	"key": "peak-missing",
}) if {
	_traffic_present
	not _peak
}

# Destination load section present but its peak is unreadable: the load
# cannot be added, so the rule cannot decide.
findings contains lib.undecided({
	"check": sprintf(
		"the RPS capacity of %s for group %s: destinationLoad.peakRps is missing, negative or not a number, so the load already on the destination is unknown",
		[_dest_label, lib.label_group],
	),
	"remediation": sprintf("Re-collect the snapshot so that destinationLoad.peakRps holds the destination's peak, summed per time point over the stages (`aliyun cloudapi DescribeInstanceQps --InstanceId %s --StageName RELEASE --StartTime <from> --EndTime <to>`, and likewise PRE and TEST), or remove the destinationLoad section if the destination carries no other groups.", [lib.destination_id]),
	"resource": lib.destination_resource,
	"path": ["destinationLoad", "peakRps"],
	"key": "load-missing",
}) if {
	is_object(input.destinationLoad)
	not _load
}

# Neither InstanceRpsLimit nor a known InstanceSpec.
findings contains lib.undecided({
	"check": sprintf(
		"the RPS capacity of %s for group %s: InstanceRpsLimit is 0 or missing and InstanceSpec %q is not in the specification table",
		[lib.destination_id, lib.label_group, _dest_spec],
	),
	"remediation": sprintf(
		"Check the destination's specification in the console (Instances and Clusters > Dedicated Instances > %s) or with `aliyun cloudapi DescribeInstances --InstanceId %s`, and re-collect the snapshot so that InstanceRpsLimit or InstanceSpec is filled in.",
		[lib.destination_id, lib.destination_id],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "InstanceRpsLimit"],
	"key": "limit-unknown",
}) if {
	not _limit
}

# A read of the traffic (DescribeGroupQps, DescribeInstanceQps) failed: the
# peak or the destination's load may be missing or partial.
findings contains f if {
	count(lib.collection_errors) > 0
	f := lib.collection_undecided("MIG001", sprintf("the RPS capacity of %s for group %s", [_dest_label, lib.label_group]))
}
