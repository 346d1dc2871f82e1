//go:build !linux

package folderdlg

import (
	"errors"

	"github.com/sqweek/dialog"
)

// Choose shows the native folder chooser titled title, opened at start
// when it is not empty, and returns the chosen folder.
func Choose(title, start string) (string, error) {
	b := dialog.Directory().Title(title)
	if start != "" {
		b = b.SetStartDir(start)
	}
	dir, err := b.Browse()
	switch {
	case errors.Is(err, dialog.ErrCancelled):
		return "", ErrCancelled
	case err != nil:
		return "", errors.Join(ErrUnavailable, err)
	}
	return dir, nil
}
