package acme.approved_destination_test

import data.acme.approved_destination

test_approved_destination_is_quiet if {
	approved_destination.findings == set() with input as {"destination": {"InstanceId": "apigateway-hz-1"}}
		with data.acme.approved_destinations as ["apigateway-hz-1"]
}

test_other_destination_fires if {
	count(approved_destination.findings) == 1 with input as {"destination": {"InstanceId": "apigateway-hz-2"}}
		with data.acme.approved_destinations as ["apigateway-hz-1"]
}
