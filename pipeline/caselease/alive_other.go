//go:build !unix

package caselease

// alive says whether process pid runs on this host; elsewhere than Unix
// it is not known, and only the heartbeat makes a lease stale.
func alive(int) bool { return true }
