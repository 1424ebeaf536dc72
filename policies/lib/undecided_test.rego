package apigw.lib_test

import data.apigw.lib

test_undecided_builds_a_could_not_check_warning if {
	lib.undecided({"check": "x: y", "severity": "error", "message": "ignored", "key": "k"}) == {
		"severity": "warning",
		"undecided": true,
		"message": "could not check x: y",
		"key": "k",
	}
}

test_failed_reads_by_rule if {
	errs := [{"call": "DescribeGroupQps"}, "junk", {"call": " describeapis "}, {"call": "DescribeFoo"}, {"call": 5}, {"call": "DescribeSecurityGroups"}]
	lib.failed_reads("MIG001") == {0: "DescribeGroupQps"} with input as {"collectionErrors": errs}
	lib.failed_reads("MIG009") == {2: "DescribeApis", 5: "DescribeSecurityGroups"} with input as {"collectionErrors": errs}
	lib.failed_reads("MIG002") == {} with input as {"collectionErrors": errs}
	lib.failed_reads("MIG001") == {} with input as {"collectionErrors": "oops"}
	not lib.collection_undecided("MIG001", "x") with input as {}
}
