# A conftest policy, unchanged: `conftest test -p testdata/policies/conftest
# SNAPSHOT.json` and `apigw-preflight check --policy
# testdata/policies/conftest SNAPSHOT.json` give the same verdicts.
package main

deny contains msg if {
	input.group.HttpsPolicy == "HTTPS2_TLS1_0"
	msg := sprintf("group %s accepts TLS 1.0 (HttpsPolicy %s); the security baseline requires TLS 1.2", [input.group.GroupName, input.group.HttpsPolicy])
}

violation contains {"msg": msg} if {
	input.group.TrafficLimit > 5000
	msg := sprintf("group %s has a TrafficLimit of %d RPS; above 5000 needs the capacity board", [input.group.GroupName, input.group.TrafficLimit])
}

warn_description contains msg if {
	object.get(input.group, "Description", "") == ""
	msg := sprintf("group %s has no description", [input.group.GroupName])
}
