package ui

import "syscall"

// childNice is how much lower than the app's the pipeline child's CPU
// priority is: under load, the interactive UI goes first.
const childNice = 5

// lowerPriority makes process pid childNice nicer than this process (at
// most 19). Linux's getpriority answers 20 minus the nice value.
func lowerPriority(pid int) {
	p, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		return
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, pid, min(19, 20-p+childNice))
}
