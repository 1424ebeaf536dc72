// Package quietsdk turns the Alibaba Cloud SDK's debug output off before
// the SDK reads its switch. With DEBUG=sdk the SDK prints every signed
// request (security token included) and every answer to standard output,
// deciding so once, when its packages are initialised. This package only
// imports the standard library and its import path sorts before the
// SDK's dependencies, so the Go initialisation order (by import path among
// the packages whose imports are initialised) runs it before the SDK; the
// collector imports it for that effect.
package quietsdk

import (
	"os"
	"slices"
	"strings"
)

// Switches are the DEBUG entries the Alibaba Cloud SDKs read.
var Switches = []string{"sdk", "tea", "credential", "signer"}

var removed []string

func init() {
	v, ok := os.LookupEnv("DEBUG")
	if !ok {
		return
	}
	var keep []string
	for _, part := range strings.Split(v, ",") {
		if slices.Contains(Switches, strings.TrimSpace(part)) {
			removed = append(removed, strings.TrimSpace(part))
			continue
		}
		keep = append(keep, part)
	}
	if len(removed) == 0 {
		return
	}
	if len(keep) == 0 {
		os.Unsetenv("DEBUG")
	} else {
		os.Setenv("DEBUG", strings.Join(keep, ","))
	}
}

// Removed lists the DEBUG entries that were taken out, in order.
func Removed() []string { return slices.Clone(removed) }
