package apigw.rules.custom_rps_ticket_test

import data.apigw.fixture
import data.apigw.rules.custom_rps_ticket

with_limit(n) := object.union(fixture.healthy, {"group": {"TrafficLimit": n}})

test_healthy_is_quiet if {
	custom_rps_ticket.findings == set() with input as fixture.healthy
}

test_custom_limit_fires if {
	custom_rps_ticket.findings == {{
		"message": "group orders (523e8dc7bbe04613b5b1d726c2a7889d) has a custom RPS limit of 1,000 (TrafficLimit, default 500), so it can only be moved to apigateway-hz-ab12cd34ef56 by Alibaba Cloud support through a ticket; the usual resolution is a waiver recording that ticket",
		"remediation": "Submit a ticket to Alibaba Cloud support (console: Tickets > Create Ticket, product API Gateway) asking them to migrate group orders (523e8dc7bbe04613b5b1d726c2a7889d) from api-shared-vpc-001 to apigateway-hz-ab12cd34ef56 with its custom RPS limit of 1,000, then add a waiver for MIG002 on this group that records the ticket number; do not run ModifyApiGroupInstance yourself.",
		"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
		"path": ["group", "TrafficLimit"],
	}} with input as with_limit(1000)
}

test_lowered_limit_fires_too if {
	fs := custom_rps_ticket.findings with input as with_limit(200)
	count(fs) == 1
	some f in fs
	contains(f.message, "custom RPS limit of 200 (TrafficLimit, default 500)")
}

test_string_numbers if {
	custom_rps_ticket.findings == set() with input as with_limit("500")
	custom_rps_ticket.findings == set() with input as with_limit(" 500 ")
	custom_rps_ticket.findings == set() with input as with_limit(500.0)
	fs := custom_rps_ticket.findings with input as with_limit("12000")
	some f in fs
	contains(f.message, "custom RPS limit of 12,000")
}

test_default_is_tunable if {
	custom_rps_ticket.findings == set() with input as with_limit(1000)
		with data.apigw.params as {"MIG002": {"defaultGroupRps": 1000}}
	custom_rps_ticket.findings == set() with input as with_limit("1000")
		with data.apigw.params as {"MIG002": {"defaultGroupRps": 1000}}
	fs := custom_rps_ticket.findings with input as fixture.healthy
		with data.apigw.params as {"MIG002": {"defaultGroupRps": 1000}}
	count(fs) == 1
	some f in fs
	contains(f.message, "custom RPS limit of 500 (TrafficLimit, default 1,000)")
}

test_missing_limit_could_not_check if {
	fs := custom_rps_ticket.findings with input as object.union(fixture.healthy, {"group": {"TrafficLimit": "unlimited"}})
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	startswith(f.message, "could not check whether group orders (523e8dc7bbe04613b5b1d726c2a7889d) has a custom RPS limit")
}

# On a dedicated source a group has no RPS limit of its own: no finding,
# whatever TrafficLimit shows.
test_dedicated_source_quiet if {
	dedicated := object.union(with_limit(1000), {
		"source": {"InstanceId": "apigateway-hz-old000000001", "InstanceType": "VPC_DEDICATED"},
		"group": {"InstanceId": "apigateway-hz-old000000001", "InstanceType": "VPC_DEDICATED"},
	})
	custom_rps_ticket.findings == set() with input as dedicated
	custom_rps_ticket.findings == set() with input as object.union(dedicated, {"group": {"TrafficLimit": "unlimited"}})
}

# The source's kind from the group when the source does not say.
test_source_kind_from_group if {
	inp := json.patch(with_limit(1000), [{"op": "remove", "path": "/source/InstanceType"}])
	[f] := [f | some f in custom_rps_ticket.findings with input as inp]
	not f.undecided
	contains(f.message, "custom RPS limit of 1,000")
}

# Neither says: could not check (fail closed).
test_source_kind_unknown_could_not_check if {
	inp := json.patch(with_limit(1000), [
		{"op": "remove", "path": "/source/InstanceType"},
		{"op": "remove", "path": "/group/InstanceType"},
	])
	[f] := [f | some f in custom_rps_ticket.findings with input as inp]
	f.undecided
	f.key == "source-kind"
	startswith(f.message, "could not check whether group orders (523e8dc7bbe04613b5b1d726c2a7889d)'s custom RPS limit of 1,000")
}
