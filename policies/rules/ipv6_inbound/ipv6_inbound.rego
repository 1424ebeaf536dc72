# METADATA
# title: Inbound IPv6 supported by the destination
# description: >-
#   The group takes inbound IPv6 traffic (group.Ipv6Status is set and is not
#   UNBIND, any case) and the destination does not support inbound IPv6
#   (destination.SupportIpv6 not true; the string "false", null or a missing
#   field count as not supported). IPv6 clients would lose the group after the
#   migration. Enable inbound IPv6 on the destination first.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/enable-ipv6
#     description: Enable IPv6 (inbound and outbound IPv6 traffic of dedicated instances)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (enable inbound IPv6 on the destination first)
# custom:
#   id: MIG007
#   name: ipv6-inbound
#   severity: error
#   remediation: >-
#     Enable inbound IPv6 on the destination before migrating: console
#     Instances and Clusters > Dedicated Instances > Inbound IPv6 Traffic >
#     Enable, or
#     `aliyun cloudapi ModifyInstanceAttribute --InstanceId <destination> --IPV6Enabled true`.
#   tags: [network, ipv6, feature]
package apigw.rules.ipv6_inbound

import data.apigw.lib

_ipv6_status := trim_space(lib.get(lib.group, "Ipv6Status"))

findings contains lib.finding({
	"message": sprintf(
		"group %s takes inbound IPv6 (Ipv6Status %s) but destination %s does not support inbound IPv6 (SupportIpv6 is %v), so IPv6 clients lose the group after the migration",
		[lib.label_group, _ipv6_status, lib.destination_id, object.get(lib.destination, "SupportIpv6", null)],
	),
	"remediation": sprintf(
		"Before migrating, enable inbound IPv6 on %s: in the API Gateway console choose Instances and Clusters > Dedicated Instances and click Enable next to Inbound IPv6 Traffic for %s, or run `aliyun cloudapi ModifyInstanceAttribute --InstanceId %s --IPV6Enabled true`; after the migration check on the group's details page that its second-level domain is still bound to an IPv6 address (Bind IPv6 Address).",
		[lib.destination_id, lib.destination_id, lib.destination_id],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "SupportIpv6"],
}) if {
	_ipv6_status != ""
	upper(_ipv6_status) != "UNBIND"
	not lib.truthy(object.get(lib.destination, "SupportIpv6", false))
}
