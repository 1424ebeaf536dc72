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

# ---- custom domains with a certificate --------------------------------------

_domain_items := items if {
	items := lib.group.CustomDomains.DomainItem
	is_array(items)
}

default _domain_items := []

_cert_domains := sort([name |
	some d in _domain_items
	is_object(d)
	lib.set(lib.get(d, "CertificateId"))
	name := _domain_name(d)
])

_domain_name(d) := lib.get(d, "DomainName") if lib.set(lib.get(d, "DomainName"))

_domain_name(d) := sprintf("(certificate %s)", [lib.get(d, "CertificateId")]) if not lib.set(lib.get(d, "DomainName"))

_domains := concat(", ", _cert_domains)

_applies if count(_cert_domains) > 0

# ---- the policies -----------------------------------------------------------

_group_policy := trim_space(lib.get(lib.group, "HttpsPolicy"))

_dest_policies := lib.list(object.get(lib.destination, "HttpsPolicies", null))

_group_known := lib.https_policies[_group_policy]

_known_dest := [p | some p in _dest_policies; lib.https_policies[p]]

_unknown_dest := [p | some p in _dest_policies; not lib.https_policies[p]]

_among_dest if _group_policy in _dest_policies

# TLS versions some known destination policy accepts.
_dest_tls := {v | some p in _known_dest; some v in lib.https_policies[p].tls}

_dropped := _group_known.tls - _dest_tls

# A known destination policy that keeps every TLS version and the HTTP version.
_same_http_keeps_tls if {
	some p in _known_dest
	lib.https_policies[p].http == _group_known.http
	count(_group_known.tls - lib.https_policies[p].tls) == 0
}

_dest_http := concat(" or ", sort({sprintf("HTTP/%s", [lib.https_policies[p].http]) | some p in _known_dest}))

_tls_list(vs) := concat(", ", [sprintf("TLS %s", [v]) | some v in sort(vs)])

_header_note := " (HTTP/2 lower-cases header names, which breaks clients and backends that match them case-sensitively)" if {
	_group_known.http != "2"
}

default _header_note := ""

_group_policy_desc := "no HTTPS policy set" if _group_policy == ""

_group_policy_desc := sprintf("the unknown HTTPS policy %s", [_group_policy]) if _group_policy != ""

_fix_cmd := sprintf("`aliyun cloudapi ModifyInstanceAttribute --InstanceId %s --HttpsPolicy %s`", [lib.destination_id, _group_policy])

_console_path := sprintf("console: Instances and Clusters > Dedicated Instances > %s > HTTPS Security Policy", [lib.destination_id])

# ---- findings ---------------------------------------------------------------

findings contains lib.finding({
	"message": sprintf(
		"destination %s's HTTPS policy %s drops %s, which group %s accepts on %s under %s; clients on %s will fail the TLS handshake after the migration",
		[
			lib.destination_id, concat(",", _dest_policies), _tls_list(_dropped), lib.label_group,
			_domains, _group_policy, _tls_list(_dropped),
		],
	),
	"remediation": sprintf(
		"Before migrating, set %s's HTTPS security policy to %s (%s) or %s; this applies to every group on the instance. Otherwise confirm from the access logs of %s that no client uses %s and record a waiver for MIG003.",
		[lib.destination_id, _group_policy, _console_path, _fix_cmd, _domains, _tls_list(_dropped)],
	),
	"resource": lib.group_resource,
	"path": ["destination", "HttpsPolicies"],
	"key": "tls",
}) if {
	_applies
	not _among_dest
	count(_known_dest) > 0
	count(_dropped) > 0
}

findings contains lib.finding({
	"severity": "warning",
	"message": sprintf(
		"destination %s's HTTPS policy %s serves %s where group %s uses HTTP/%s under %s on %s%s",
		[
			lib.destination_id, concat(",", _dest_policies), _dest_http, lib.label_group,
			_group_known.http, _group_policy, _domains, _header_note,
		],
	),
	"remediation": sprintf(
		"Test the group's clients and backends against %s before migrating, or set %s's HTTPS security policy to %s (%s) or %s; this applies to every group on the instance.",
		[_dest_http, lib.destination_id, _group_policy, _console_path, _fix_cmd],
	),
	"resource": lib.group_resource,
	"path": ["destination", "HttpsPolicies"],
	"key": "http",
}) if {
	_applies
	not _among_dest
	count(_known_dest) > 0
	count(_dropped) == 0
	not _same_http_keeps_tls
}

findings contains lib.finding({
	"severity": "warning",
	"message": sprintf(
		"group %s has %s, so the change to destination %s's HTTPS policy %s could not be judged for %s",
		[lib.label_group, _group_policy_desc, lib.destination_id, concat(",", _dest_policies), _domains],
	),
	"remediation": sprintf(
		"Check the group's HTTPS security policy on the Group Details page (or `aliyun cloudapi DescribeApiGroup --GroupId %s`) and compare its TLS and HTTP versions with the destination's before migrating; known policies are %s.",
		[lib.group_id, concat(", ", sort(object.keys(lib.https_policies)))],
	),
	"resource": lib.group_resource,
	"path": ["group", "HttpsPolicy"],
	"key": "unknown-group-policy",
}) if {
	_applies
	count(_dest_policies) > 0
	not _among_dest
	not _group_known
}

findings contains lib.finding({
	"severity": "warning",
	"message": sprintf(
		"destination %s has the unknown HTTPS policy %s, so the change from policy %s of group %s could not be judged for %s",
		[lib.destination_id, concat(",", _unknown_dest), _group_policy, lib.label_group, _domains],
	),
	"remediation": sprintf(
		"Check %s's HTTPS security policy in the console (Instances and Clusters > Dedicated Instances > %s) and compare its TLS and HTTP versions with %s before migrating, or set it to %s with %s.",
		[lib.destination_id, lib.destination_id, _group_policy, _group_policy, _fix_cmd],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "HttpsPolicies"],
	"key": "unknown-destination-policy",
}) if {
	_applies
	not _among_dest
	count(_unknown_dest) > 0
}

findings contains lib.undecided({
	"check": sprintf(
		"the HTTPS policy change for %s of group %s: destination %s reports no HttpsPolicies",
		[_domains, lib.label_group, lib.destination_id],
	),
	"remediation": sprintf(
		"Re-collect the snapshot so that destination.HttpsPolicies is filled in (`aliyun cloudapi DescribeInstances --InstanceId %s`), or read the policy in the console under Instances and Clusters > Dedicated Instances > %s.",
		[lib.destination_id, lib.destination_id],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "HttpsPolicies"],
	"key": "no-destination-policy",
}) if {
	_applies
	count(_dest_policies) == 0
}
