// Package filelock takes exclusive OS advisory locks on open files: flock
// on Unix, LockFileEx on Windows. The operating system drops a lock when
// its file is closed or its process ends, crash included, so a lock is
// never stale. Locks belong to the open file, not to the process: two
// opens of one file in one process exclude each other.
package filelock

import (
	"fmt"
	"os"
)

// TryLock takes an exclusive lock on f without waiting. It returns false,
// with no error, when another open file holds the lock.
func TryLock(f *os.File) (bool, error) {
	ok, err := tryLock(f)
	if err != nil {
		return false, fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	return ok, nil
}

// Unlock releases a lock taken by TryLock; closing f releases it too.
func Unlock(f *os.File) error {
	if err := unlock(f); err != nil {
		return fmt.Errorf("unlocking %s: %w", f.Name(), err)
	}
	return nil
}
