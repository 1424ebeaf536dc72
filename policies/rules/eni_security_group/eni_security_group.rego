# METADATA
# title: VPC integration ENI reaches every private backend
# description: >-
#   Applies when the destination is a VPC integration instance
#   (destination.DedicatedInstanceType is vpc_connect), which reaches backends
#   from a private IP of the connected VPC through an elastic network interface
#   (ENI). For every private backend IP (RFC 1918, 100.64.0.0/10, fc00::/7) of a
#   backend that receives traffic over the network (Function Compute, OSS,
#   EventBridge and Mock are exempt): the IP must lie inside
#   destination.ConnectCidrBlocks (error), and the egress rules of the ENI's
#   security groups (eniSecurityGroups) must accept TCP to that IP and the
#   backend port (error). Security group evaluation follows ECS, per network
#   interface: a VPC integration instance has one ENI per zone
#   (networkInterfaces, from DescribeNetworkInterfaces, says which groups each
#   carries), the groups of one ENI are evaluated together and never with
#   those of another, and an ENI that denies is an error naming the ENI and its
#   zone. Egress rules
#   whose IpProtocol is TCP or ALL, whose PortRange contains the port (-1/-1 is
#   every port) and whose DestCidrIp (Ipv6DestCidrIp for IPv6) contains the IP
#   match; lower Priority first (1-100, missing means 1), at equal priority
#   drop beats accept, and the first match decides. When nothing matches, the
#   group type's default applies: normal (basic) groups allow all egress,
#   enterprise groups deny it; when any group of the ENI is enterprise the
#   default is deny; a group without SecurityGroupType is assumed normal and
#   the rule says so with a warning when that assumption decides. A rule that
#   points at another security group (DestGroupId) or a prefix list
#   (DestPrefixListId), uses a port list (PortRangeListId), or has an
#   unreadable PortRange or a destination CIDR that does not parse, cannot be
#   decided for an IP: when such a rule comes before the deciding one and has
#   the opposite policy, the result is a warning. Without networkInterfaces
#   (an older snapshot) the groups are evaluated together as one rule set and
#   the rule warns that it could not check per ENI; an ENI of the instance
#   attributes missing from networkInterfaces is evaluated with its one
#   SecurityGroupId, with a warning. Missing backends, missing eniSecurityGroups or
#   ConnectCidrBlocks (when there are private backends to check), ENI
#   security groups absent from eniSecurityGroups, and a failed read of the
#   backends or security groups in collectionErrors are warnings that begin
#   "could not check". IPv4-mapped IPv6 backend addresses count as IPv4.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (precaution on the VPC integration instance's ENI security group)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/product-overview/vpc-integrated-exclusive-instance
#     description: VPC integration instances
#   - ref: https://www.alibabacloud.com/help/en/ecs/user-guide/security-group-rules
#     description: ECS security group rules (priority, drop before accept, default rules of basic and enterprise groups)
#   - ref: https://www.alibabacloud.com/help/en/ecs/api-authorizesecuritygroupegress
#     description: ECS AuthorizeSecurityGroupEgress
# custom:
#   id: MIG009
#   name: eni-security-group
#   severity: error
#   remediation: >-
#     Make the destination's connected CIDR blocks cover every private backend
#     IP (API Gateway console > Instances > the VPC integration instance), and
#     add an outbound accept rule for TCP to each backend IP and port to a
#     security group bound to each of the instance's ENIs (one per zone), at a
#     priority that comes
#     before any drop rule that matches (ECS console > Network & Security >
#     Security Groups > the group > Rules > Outbound, or aliyun ecs
#     AuthorizeSecurityGroupEgress).
#   tags: [network, vpc-integration, security-group]
package apigw.rules.eni_security_group

import data.apigw.lib

# ---- scope ------------------------------------------------------------------

_vpc_connect if lower(trim_space(lib.get(lib.destination, "DedicatedInstanceType"))) == "vpc_connect"

_region := r if {
	r := lib.get(lib.destination, "RegionId")
	lib.set(r)
} else := r if {
	r := lib.get(lib.group, "RegionId")
	lib.set(r)
} else := lib.get(input, "regionId")

# ---- backends -----------------------------------------------------------------

_backends_known if is_array(input.backends)

_backends := input.backends if _backends_known

_backend_ips(b) := ips if {
	ips := {ip | some ip in lib.ips(object.get(b, "ips", null)); _plain_ip(ip)}
	count(ips) > 0
} else := {h} if {
	h := lib.unmap(lib.get(b, "host"))
	_plain_ip(h)
} else := set()

_valid_port(p) if {
	p >= 1
	p <= 65535
}

_plain_ip(x) if {
	lib.valid_addr(x)
	not contains(x, "/")
}

_backend_port(b) := p if {
	p := lib.num(object.get(b, "port", null))
	_valid_port(p)
} else := p if {
	p := lib.num(object.get(lib.obj(object.get(b, "vpcAccess", null)), "Port", null))
	_valid_port(p)
} else := p if {
	m := regex.find_all_string_submatch_n(`^[A-Za-z][A-Za-z0-9+.-]*://(\[[^\]]+\]|[^/:\[]+):([0-9]{1,5})(/.*)?$`, trim_space(lib.get(b, "address")), 1)
	count(m) == 1
	p := to_number(m[0][2])
	_valid_port(p)
} else := 443 if {
	upper(trim_space(lib.get(b, "protocol"))) == "HTTPS"
} else := 80

# The API's name, with its stage when that is not RELEASE.
_api_label(b) := sprintf("%s on stage %s", [_api_name(b), st]) if {
	st := upper(trim_space(lib.get(b, "stage")))
	not st in {"", "RELEASE"}
} else := _api_name(b)

_api_name(b) := n if {
	n := lib.get(b, "apiName")
	lib.set(n)
} else := n if {
	n := lib.get(b, "apiId")
	lib.set(n)
} else := "unnamed API"

# One entry per (backend, private IP); findings aggregate per IP or IP:port.
_hits contains {"ip": ip, "port": port, "label": _api_label(b)} if {
	some b in _backends
	lib.network_backend(b)
	some ip in _backend_ips(b)
	lib.private(ip)
	port := _backend_port(b)
}

_private_ips := {h.ip | some h in _hits}

_targets := {[h.ip, h.port] | some h in _hits}

# The APIs behind each IP and IP:port. The comprehensions close over the
# outer ip (and port), so OPA indexes them: linear in the backends. The
# lookups go through complete rules (_apis_by_ip, _apis_by_target): a
# lookup by key into the partial rules would evaluate that key alone,
# without the index, once per finding (quadratic).
_apis_by_ip_rule[ip] := concat(", ", sort(labels)) if {
	some ip in _private_ips
	labels := {h.label | some h in _hits; h.ip == ip}
}

_apis_by_target_rule[[ip, port]] := concat(", ", sort(labels)) if {
	some [ip, port] in _targets
	labels := {h.label | some h in _hits; h.ip == ip; h.port == port}
}

_apis_by_ip := _apis_by_ip_rule

_apis_by_target := _apis_by_target_rule

_apis_of(ip) := _apis_by_ip[ip]

_apis_of_port(ip, port) := _apis_by_target[[ip, port]]

_endpoint(ip, port) := sprintf("[%s]:%v", [ip, port]) if lib.ipv6(ip)

_endpoint(ip, port) := sprintf("%s:%v", [ip, port]) if not lib.ipv6(ip)

_host_cidr(ip) := sprintf("%s/128", [ip]) if lib.ipv6(ip)

_host_cidr(ip) := sprintf("%s/32", [ip]) if not lib.ipv6(ip)

_dest_cidr_flag(ip) := "--Ipv6DestCidrIp" if lib.ipv6(ip)

_dest_cidr_flag(ip) := "--DestCidrIp" if not lib.ipv6(ip)

# ---- ConnectCidrBlocks --------------------------------------------------------

_connect_raw := object.get(lib.destination, "ConnectCidrBlocks", null)

_connect_known if {
	_connect_raw != null
	not _blank_string(_connect_raw)
}

_blank_string(x) if {
	is_string(x)
	trim_space(x) == ""
}

_connect_cidrs := lib.list(_connect_raw)

_connect_text := "none" if count(_connect_cidrs) == 0

_connect_text := concat(", ", _connect_cidrs) if count(_connect_cidrs) > 0

# ---- findings: could not check --------------------------------------------------------

findings contains lib.undecided({
	"check": sprintf("the ENI security groups of VPC integration instance %s: the snapshot has no eniSecurityGroups, so egress to the private backends is unverified.", [lib.destination_id]),
	"remediation": sprintf("Collect the security groups bound to the instance's ENI (destination.NetworkInterfaceAttributes) with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId <sg-id> --Direction egress` and `aliyun ecs DescribeSecurityGroups --RegionId %s --SecurityGroupIds '[\"<sg-id>\"]'` (for SecurityGroupType), add them to eniSecurityGroups and run the check again.", [_region, _region]),
	"resource": lib.destination_resource,
	"path": ["destination", "DedicatedInstanceType"],
	"key": "no-security-groups",
}) if {
	_vpc_connect
	not _sgs_known
	_sgs_needed
}

# Security groups matter unless the backends are known to have no private IP.
_sgs_needed if not _backends_known

_sgs_needed if count(_private_ips) > 0

findings contains lib.undecided({
	"check": sprintf("which backend IPs VPC integration instance %s must reach: the snapshot has no backends.", [lib.destination_id]),
	"remediation": sprintf("Collect the group's backends (`aliyun cloudapi DescribeApis --GroupId %s`, then `aliyun cloudapi DescribeDeployedApi --GroupId %s --ApiId <api-id> --StageName RELEASE`) and run the check again.", [lib.group_id, lib.group_id]),
	"resource": lib.destination_resource,
	"path": ["destination", "DedicatedInstanceType"],
	"key": "no-backends",
}) if {
	_vpc_connect
	not _backends_known
}

findings contains lib.undecided({
	"check": sprintf("whether VPC integration instance %s connects to private backend IPs %s: destination.ConnectCidrBlocks is missing.", [lib.destination_id, concat(", ", sort(_private_ips))]),
	"remediation": sprintf("Read the instance's connected CIDR blocks with `aliyun cloudapi DescribeInstances --InstanceId %s` (ConnectCidrBlocks) or in the API Gateway console > Instances > %s, add them to the snapshot and run the check again.", [lib.destination_id, lib.destination_id]),
	"resource": lib.destination_resource,
	"path": ["destination"],
	"key": "no-connect-cidrs",
}) if {
	_vpc_connect
	not _connect_known
	count(_private_ips) > 0
}

_known_sg_ids := {trim_space(lib.get(g, "SecurityGroupId")) | some g in _sgs; is_object(g)}

findings contains lib.undecided({
	"check": sprintf("ENI security group %s of VPC integration instance %s: it is bound to the ENI but missing from eniSecurityGroups, and its rules may decide egress to the backends.", [id, lib.destination_id]),
	"remediation": sprintf("Collect it with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress` (and its SecurityGroupType from `aliyun ecs DescribeSecurityGroups --RegionId %s --SecurityGroupIds '[\"%s\"]'`), add it to eniSecurityGroups and run the check again.", [_region, id, _region, id]),
	"resource": {"kind": "securityGroup", "id": id},
	"path": ["destination", "NetworkInterfaceAttributes"],
	"key": sprintf("missing-sg:%s", [id]),
}) if {
	_vpc_connect
	_sgs_known
	some id in _eni_sg_ids
	not id in _known_sg_ids
}

# ---- findings: ConnectCidrBlocks ----------------------------------------------------

findings contains lib.finding({
	"message": sprintf("Backend IP %s (%s) is outside the connected CIDR blocks of VPC integration instance %s (%s), so the gateway cannot reach it after the migration.", [ip, _apis_of(ip), lib.destination_id, _connect_text]),
	"remediation": sprintf("In the API Gateway console open Instances > %s and add a CIDR block that covers %s to the instance's connected VPC CIDR blocks (ConnectCidrBlocks), or pick a VPC integration instance connected to the backend's VPC; confirm with `aliyun cloudapi DescribeInstances --InstanceId %s`.", [lib.destination_id, ip, lib.destination_id]),
	"resource": lib.destination_resource,
	"path": ["destination", "ConnectCidrBlocks"],
	"key": sprintf("cidr:%s", [ip]),
}) if {
	_vpc_connect
	_connect_known
	some ip in _private_ips
	not lib.in_any(_connect_cidrs, ip)
}
