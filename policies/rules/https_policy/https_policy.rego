# METADATA
# title: Destination HTTPS security policy
# description: >-
#   After the migration the destination instance's HTTPS security policy
#   applies to the group. This only matters when the group has a custom domain
#   with an SSL certificate bound (group.CustomDomains.DomainItem[] with a
#   CertificateId). No finding when the group's policy (group.HttpsPolicy) is
#   among the destination's (destination.HttpsPolicies, one value or a comma
#   list). Error when no destination policy accepts every TLS version the
#   group's policy accepts: clients on the dropped versions fail the handshake.
#   Warning when the TLS versions are kept but the HTTP version changes
#   (HTTP/2 lower-cases header names), or when a policy name is not in the
#   table of rules.md. A destination that only adds TLS versions with the same
#   HTTP version is not reported. When the destination reports no policy the
#   rule says it could not check.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/configure-an-https-security-policy
#     description: HTTPS security policies (HTTP and TLS versions of each policy)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (the destination's HTTPS security policy applies)
# custom:
#   id: MIG003
#   name: https-policy
#   severity: error
#   remediation: >-
#     Set the destination's HTTPS security policy to the group's current one
#     before migrating (console: Instances and Clusters > Dedicated Instances >
#     instance > HTTPS Security Policy, or
#     `aliyun cloudapi ModifyInstanceAttribute --InstanceId <destination> --HttpsPolicy <policy>`),
#     or confirm that no client of the group's custom domains uses the dropped
#     TLS versions and waive the finding.
#   tags: [tls, compatibility]
package apigw.rules.https_policy

import data.apigw.lib

# as_object(x) is x when it is an object, {} otherwise (null, absent, junk).
as_object(x) := x if is_object(x)

as_object(x) := {} if not is_object(x)

group := as_object(object.get(input, "group", null))

dest := as_object(object.get(input, "destination", null))

dest_id := lib.get(dest, "InstanceId")

# ---- custom domains with a certificate --------------------------------------

domain_items := items if {
	items := group.CustomDomains.DomainItem
	is_array(items)
}

default domain_items := []

cert_domains := sort([name |
	some d in domain_items
	is_object(d)
	lib.set(lib.get(d, "CertificateId"))
	name := domain_name(d)
])

domain_name(d) := lib.get(d, "DomainName") if lib.set(lib.get(d, "DomainName"))

domain_name(d) := sprintf("(certificate %s)", [lib.get(d, "CertificateId")]) if not lib.set(lib.get(d, "DomainName"))

domains := concat(", ", cert_domains)

applies if count(cert_domains) > 0

# ---- the policies -----------------------------------------------------------

group_policy := trim_space(lib.get(group, "HttpsPolicy"))

dest_policies := lib.list(object.get(dest, "HttpsPolicies", null))

group_known := lib.https_policies[group_policy]

known_dest := [p | some p in dest_policies; lib.https_policies[p]]

unknown_dest := [p | some p in dest_policies; not lib.https_policies[p]]

among_dest if group_policy in dest_policies

# TLS versions some known destination policy accepts.
dest_tls := {v | some p in known_dest; some v in lib.https_policies[p].tls}

dropped := group_known.tls - dest_tls

# A known destination policy that keeps every TLS version and the HTTP version.
same_http_keeps_tls if {
	some p in known_dest
	lib.https_policies[p].http == group_known.http
	count(group_known.tls - lib.https_policies[p].tls) == 0
}

dest_http := concat(" or ", sort({sprintf("HTTP/%s", [lib.https_policies[p].http]) | some p in known_dest}))

tls_list(vs) := concat(", ", [sprintf("TLS %s", [v]) | some v in sort(vs)])

header_note := " (HTTP/2 lower-cases header names, which breaks clients and backends that match them case-sensitively)" if {
	group_known.http != "2"
}

default header_note := ""

group_policy_desc := "no HTTPS policy set" if group_policy == ""

group_policy_desc := sprintf("the unknown HTTPS policy %s", [group_policy]) if group_policy != ""

fix_cmd := sprintf("`aliyun cloudapi ModifyInstanceAttribute --InstanceId %s --HttpsPolicy %s`", [dest_id, group_policy])

console_path := sprintf("console: Instances and Clusters > Dedicated Instances > %s > HTTPS Security Policy", [dest_id])

# ---- findings ---------------------------------------------------------------

findings contains {
	"severity": "error",
	"message": sprintf(
		"destination %s's HTTPS policy %s drops %s, which group %s accepts on %s under %s; clients on %s will fail the TLS handshake after the migration",
		[
			dest_id, concat(",", dest_policies), tls_list(dropped), lib.label_group,
			domains, group_policy, tls_list(dropped),
		],
	),
	"remediation": sprintf(
		"Before migrating, set %s's HTTPS security policy to %s (%s) or %s; this applies to every group on the instance. Otherwise confirm from the access logs of %s that no client uses %s and record a waiver for MIG003.",
		[dest_id, group_policy, console_path, fix_cmd, domains, tls_list(dropped)],
	),
	"resource": lib.group_resource,
	"path": ["destination", "HttpsPolicies"],
	"key": "tls",
} if {
	applies
	not among_dest
	count(known_dest) > 0
	count(dropped) > 0
}

findings contains {
	"severity": "warning",
	"message": sprintf(
		"destination %s's HTTPS policy %s serves %s where group %s uses HTTP/%s under %s on %s%s",
		[
			dest_id, concat(",", dest_policies), dest_http, lib.label_group,
			group_known.http, group_policy, domains, header_note,
		],
	),
	"remediation": sprintf(
		"Test the group's clients and backends against %s before migrating, or set %s's HTTPS security policy to %s (%s) or %s; this applies to every group on the instance.",
		[dest_http, dest_id, group_policy, console_path, fix_cmd],
	),
	"resource": lib.group_resource,
	"path": ["destination", "HttpsPolicies"],
	"key": "http",
} if {
	applies
	not among_dest
	count(known_dest) > 0
	count(dropped) == 0
	not same_http_keeps_tls
}

findings contains {
	"severity": "warning",
	"message": sprintf(
		"group %s has %s, so the change to destination %s's HTTPS policy %s could not be judged for %s",
		[lib.label_group, group_policy_desc, dest_id, concat(",", dest_policies), domains],
	),
	"remediation": sprintf(
		"Check the group's HTTPS security policy on the Group Details page (or `aliyun cloudapi DescribeApiGroup --GroupId %s`) and compare its TLS and HTTP versions with the destination's before migrating; known policies are %s.",
		[lib.get(group, "GroupId"), concat(", ", sort(object.keys(lib.https_policies)))],
	),
	"resource": lib.group_resource,
	"path": ["group", "HttpsPolicy"],
	"key": "unknown-group-policy",
} if {
	applies
	count(dest_policies) > 0
	not among_dest
	not group_known
}

findings contains {
	"severity": "warning",
	"message": sprintf(
		"destination %s has the unknown HTTPS policy %s, so the change from policy %s of group %s could not be judged for %s",
		[dest_id, concat(",", unknown_dest), group_policy, lib.label_group, domains],
	),
	"remediation": sprintf(
		"Check %s's HTTPS security policy in the console (Instances and Clusters > Dedicated Instances > %s) and compare its TLS and HTTP versions with %s before migrating, or set it to %s with %s.",
		[dest_id, dest_id, group_policy, group_policy, fix_cmd],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "HttpsPolicies"],
	"key": "unknown-destination-policy",
} if {
	applies
	not among_dest
	count(unknown_dest) > 0
}

findings contains lib.undecided({
	"check": sprintf(
		"the HTTPS policy change for %s of group %s: destination %s reports no HttpsPolicies",
		[domains, lib.label_group, dest_id],
	),
	"remediation": sprintf(
		"Re-collect the snapshot so that destination.HttpsPolicies is filled in (`aliyun cloudapi DescribeInstances --InstanceId %s`), or read the policy in the console under Instances and Clusters > Dedicated Instances > %s.",
		[dest_id, dest_id],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "HttpsPolicies"],
	"key": "no-destination-policy",
}) if {
	applies
	count(dest_policies) == 0
}
