package collector

import (
	"fmt"
	"io"
	"sync"
)

// Progress hears one line per collection step ("reading API group ...",
// retries included). It is for people watching a terminal; nothing parses it.
type Progress func(step string)

// ProgressTo writes each step as a line to w, prefixed with prefix.
// It is safe for concurrent use.
func ProgressTo(w io.Writer, prefix string) Progress {
	var mu sync.Mutex
	return func(step string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s%s\n", prefix, step)
	}
}
