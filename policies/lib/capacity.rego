# METADATA
# title: Placement figures of one snapshot
# description: >-
#   capacity is what MIG001 rps-capacity judges a migration by, as data: the
#   group's observed peak (peakRps), what it needs on the destination with
#   MIG001's rpsHeadroom and the load already there (neededRps), that load
#   (existingRps, 0 when not collected), the destination's limit
#   (InstanceRpsLimit, else the specification table's, as MIG001 reads it;
#   limitRps) and its specification (spec). Undefined when the peak or the
#   limit cannot be read (MIG001 then says it could not check). The audit's
#   placement matrix and the fleet rules read it; evaluate it on another
#   snapshot with `capacity with input as snapshot`.
package apigw.lib.capacity

import data.apigw.lib
import data.apigw.rules.rps_capacity as mig001

capacity := {
	"peakRps": mig001._peak,
	"neededRps": mig001._needed,
	"existingRps": mig001._load_rps,
	"limitRps": mig001._limit,
	"spec": lib.get(lib.destination, "InstanceSpec"),
}

# METADATA
# description: headroom is the fraction of spare capacity MIG001 keeps above a group's peak (its rpsHeadroom parameter).
headroom := mig001._headroom
