package apigw.lib.capacity_test

import data.apigw.fixture
import data.apigw.lib.capacity

test_capacity_of_the_healthy_sample if {
	capacity.capacity == {"peakRps": 800, "neededRps": 1260, "existingRps": 300, "limitRps": 2500, "spec": "api.s1.small"} with input as fixture.healthy
}

test_capacity_follows_the_headroom_parameter if {
	c := capacity.capacity with input as fixture.healthy with data.apigw.params.MIG001.rpsHeadroom as 0.5
	c.neededRps == 1500
	capacity.headroom == 0.5 with input as fixture.healthy with data.apigw.params.MIG001.rpsHeadroom as 0.5
}

test_capacity_falls_back_to_the_specification_table if {
	snap := fixture.without("destination", {"InstanceRpsLimit"})
	capacity.capacity.limitRps == 2500 with input as snap
}

test_capacity_without_load_counts_none if {
	c := capacity.capacity with input as fixture.absent({"destinationLoad"})
	c.existingRps == 0
	c.neededRps == 960
}

test_capacity_undefined_without_traffic if {
	not capacity.capacity with input as fixture.absent({"traffic"})
}
