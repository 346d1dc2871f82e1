//go:build windows

package atomicfile

import "golang.org/x/sys/windows"

// host is this platform's replacer.
var host replacer = moveFileReplacer{moveFileEx: moveFileEx}

// moveFileEx calls MoveFileExW.
func moveFileEx(from, to string, flags uint32) error {
	f, err := windows.UTF16PtrFromString(from)
	if err != nil {
		return err
	}
	t, err := windows.UTF16PtrFromString(to)
	if err != nil {
		return err
	}
	return windows.MoveFileEx(f, t, flags)
}
