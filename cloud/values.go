package cloud

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// ParseQPS reads the text of a QPS reading's ItemValue (DescribeGroupQps,
// DescribeInstanceQps), which the API gives as a number or as a number in a
// string: a finite number of 0 or more. Blank text is no reading (ok
// false, no error).
func ParseQPS(text string) (v float64, ok bool, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || f < 0 {
		return 0, false, errors.New("not a finite number of 0 or more")
	}
	return f, true, nil
}
