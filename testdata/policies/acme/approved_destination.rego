# METADATA
# title: Destination instance is on the approved list
# description: >-
#   The platform team approves the dedicated instances API groups may move
#   to (data.acme.approved_destinations, from the --data file). A move to
#   any other instance fails; with allowShared false, a shared instance
#   fails too.
# related_resources:
#   - ref: https://wiki.example.com/platform/api-gateway/approved-instances
# custom:
#   id: ACME001
#   name: approved-destination
#   severity: error
#   remediation: >-
#     Pick an instance from data.acme.approved_destinations, or ask the
#     platform team to approve this one.
#   tags: [governance]
#   params:
#     - name: allowShared
#       type: boolean
#       default: true
#       description: Whether a shared (VPC_SHARED) destination passes without approval.
package acme.approved_destination

import data.apigw.lib

default _approved_list := []

_approved_list := data.acme.approved_destinations

_approved := {id | some id in _approved_list}

_shared if lib.get(lib.destination, "InstanceType") == "VPC_SHARED"

_passes if lib.destination_id in _approved

_passes if {
	_shared
	lib.param(rego.metadata.chain(), "allowShared")
}

findings contains lib.finding({
	"message": sprintf("Destination %s is not on the approved list (%d approved instances).", [lib.destination_id, count(_approved)]),
	"resource": lib.destination_resource,
	"path": ["destination", "InstanceId"],
}) if {
	lib.set(lib.destination_id)
	not _passes
}
