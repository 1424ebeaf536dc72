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
