package childrun

import (
	"os/exec"
	"syscall"
)

// childNice is how much lower than this process's the Nicer child's CPU
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

// dieWithParent has the kernel kill the child when this process ends,
// even by SIGKILL.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
