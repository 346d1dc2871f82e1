//go:build !windows

package atomicfile

// host is this platform's replacer.
var host replacer = posixReplacer{}
