package apigw.rules.https_policy_test

import data.apigw.fixture
import data.apigw.rules.https_policy

with_policies(group_policy, dest_policies) := object.union(fixture.healthy, {
	"group": {"HttpsPolicy": group_policy},
	"destination": {"HttpsPolicies": dest_policies},
})

test_healthy_is_quiet if {
	https_policy.findings == set() with input as fixture.healthy
}

test_same_policy_in_comma_list_is_quiet if {
	https_policy.findings == set() with input as with_policies("HTTPS2_TLS1_0", "HTTPS2_TLS1_2, HTTPS2_TLS1_0")
}

test_dropped_tls_is_error if {
	https_policy.findings == {{
		"message": "destination apigateway-hz-ab12cd34ef56's HTTPS policy HTTPS2_TLS1_2 drops TLS 1.0, TLS 1.1, which group orders (523e8dc7bbe04613b5b1d726c2a7889d) accepts on api.orders.example.com under HTTPS2_TLS1_0; clients on TLS 1.0, TLS 1.1 will fail the TLS handshake after the migration",
		"remediation": "Before migrating, set apigateway-hz-ab12cd34ef56's HTTPS security policy to HTTPS2_TLS1_0 (console: Instances and Clusters > Dedicated Instances > apigateway-hz-ab12cd34ef56 > HTTPS Security Policy) or `aliyun cloudapi ModifyInstanceAttribute --InstanceId apigateway-hz-ab12cd34ef56 --HttpsPolicy HTTPS2_TLS1_0`; this applies to every group on the instance. Otherwise confirm from the access logs of api.orders.example.com that no client uses TLS 1.0, TLS 1.1 and record a waiver for MIG003.",
		"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
		"path": ["destination", "HttpsPolicies"],
		"key": "tls",
	}} with input as with_policies("HTTPS2_TLS1_0", "HTTPS2_TLS1_2")
}

test_tls13_policy_drops_old_versions if {
	fs := https_policy.findings with input as with_policies("HTTPS1_1_TLS1_0", "HTTPS2_TLS1_3")
	count(fs) == 1
	some f in fs
	not f.severity
	contains(f.message, "HTTPS2_TLS1_3 drops TLS 1.0, TLS 1.1")
}

test_http_version_change_is_warning if {
	fs := https_policy.findings with input as with_policies("HTTPS1_1_TLS1_0", "HTTPS2_TLS1_0")
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.key == "http"
	f.message == "destination apigateway-hz-ab12cd34ef56's HTTPS policy HTTPS2_TLS1_0 serves HTTP/2 where group orders (523e8dc7bbe04613b5b1d726c2a7889d) uses HTTP/1.1 under HTTPS1_1_TLS1_0 on api.orders.example.com (HTTP/2 lower-cases header names, which breaks clients and backends that match them case-sensitively)"
}

test_http2_to_http11_is_warning if {
	fs := https_policy.findings with input as with_policies("HTTPS2_TLS1_0", "HTTPS1_1_TLS1_0")
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	contains(f.message, "serves HTTP/1.1 where group orders (523e8dc7bbe04613b5b1d726c2a7889d) uses HTTP/2")
	not contains(f.message, "lower-cases")
}

test_added_tls_version_is_quiet if {
	https_policy.findings == set() with input as with_policies("HTTPS2_TLS1_2", "HTTPS2_TLS1_3")
}

test_unknown_destination_policy_is_warning if {
	fs := https_policy.findings with input as with_policies("HTTPS2_TLS1_0", "HTTPS3_TLS1_3")
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.key == "unknown-destination-policy"
	f.message == "destination apigateway-hz-ab12cd34ef56 has the unknown HTTPS policy HTTPS3_TLS1_3, so the change from policy HTTPS2_TLS1_0 of group orders (523e8dc7bbe04613b5b1d726c2a7889d) could not be judged for api.orders.example.com"
}

test_unknown_group_policy_is_warning if {
	fs := https_policy.findings with input as with_policies("", "HTTPS2_TLS1_0")
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.path == ["group", "HttpsPolicy"]
	contains(f.message, "has no HTTPS policy set")
}

test_no_destination_policy_could_not_check if {
	fs := https_policy.findings with input as with_policies("HTTPS2_TLS1_0", null)
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.message == "could not check the HTTPS policy change for api.orders.example.com of group orders (523e8dc7bbe04613b5b1d726c2a7889d): destination apigateway-hz-ab12cd34ef56 reports no HttpsPolicies"
}

test_no_certificate_is_quiet if {
	in_no_cert := object.union(with_policies("HTTPS2_TLS1_0", "HTTPS2_TLS1_2"), {"group": {"CustomDomains": {"DomainItem": [{"DomainName": "api.orders.example.com", "CertificateId": ""}]}}})
	https_policy.findings == set() with input as in_no_cert
	no_domains := object.union(with_policies("HTTPS2_TLS1_0", "HTTPS2_TLS1_2"), {"group": {"CustomDomains": null}})
	https_policy.findings == set() with input as no_domains
}

test_lists_every_certificate_domain if {
	two := object.union(with_policies("HTTPS2_TLS1_0", "HTTPS2_TLS1_2"), {"group": {"CustomDomains": {"DomainItem": [
		{"DomainName": "b.example.com", "CertificateId": "cert-2"},
		{"DomainName": "a.example.com", "CertificateId": "cert-1"},
		{"DomainName": "plain.example.com"},
	]}}})
	fs := https_policy.findings with input as two
	some f in fs
	contains(f.message, "accepts on a.example.com, b.example.com under HTTPS2_TLS1_0")
}
