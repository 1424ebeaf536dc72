//go:build !unix

package migrate

import (
	"errors"
	"os"
)

var errNoLocks = errors.New("group locks need flock(2), which this system lacks; migrating is not supported here")

// Without flock(2) no lock can be taken, so no write is ever sent.
func tryLock(*os.File) error     { return errNoLocks }
func lockFile(*os.File) error    { return errNoLocks }
func unlockFile(*os.File) error  { return nil }
func syncUnsupported(error) bool { return false }
