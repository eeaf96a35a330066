package engine

import (
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// NSType describes one kind of Linux namespace.
type NSType struct {
	Name string // as in /proc/PID/ns: "net", "mnt", ...
	Flag int    // CLONE_NEW* value, also what NS_GET_NSTYPE reports
	// Link is the /proc/PID/ns entry a thread's membership is read from. For
	// pid and time the entry that spawns and workers must follow is the
	// *_for_children one.
	Link string
}

// Namespace types, in the order the kernel documents them. The index of a
// type in this table is its Kind.
var nsTypes = []NSType{
	{"cgroup", unix.CLONE_NEWCGROUP, "cgroup"},
	{"ipc", unix.CLONE_NEWIPC, "ipc"},
	{"mnt", unix.CLONE_NEWNS, "mnt"},
	{"net", unix.CLONE_NEWNET, "net"},
	{"pid", unix.CLONE_NEWPID, "pid_for_children"},
	{"time", unix.CLONE_NEWTIME, "time_for_children"},
	{"user", unix.CLONE_NEWUSER, "user"},
	{"uts", unix.CLONE_NEWUTS, "uts"},
}

// Kind indexes nsTypes.
type Kind int

// Kinds of namespaces.
const (
	KindCgroup Kind = iota
	KindIPC
	KindMnt
	KindNet
	KindPID
	KindTime
	KindUser
	KindUTS
	numKinds
)

// TypeNames lists the namespace type names in sorted order (ns.TYPES).
func TypeNames() []string {
	out := make([]string, len(nsTypes))
	for i, t := range nsTypes {
		out[i] = t.Name
	}
	sort.Strings(out)
	return out
}

// KindByName maps "net" to KindNet. ok is false for an unknown name.
func KindByName(name string) (Kind, bool) {
	for i, t := range nsTypes {
		if t.Name == name {
			return Kind(i), true
		}
	}
	return 0, false
}

// KindByFlag maps a CLONE_NEW* value (as NS_GET_NSTYPE returns it) to a Kind.
func KindByFlag(flag int) (Kind, bool) {
	for i, t := range nsTypes {
		if t.Flag == flag {
			return Kind(i), true
		}
	}
	return 0, false
}

// String returns the type name ("net").
func (k Kind) String() string { return nsTypes[k].Name }

// Flag returns the CLONE_NEW* flag of the type.
func (k Kind) Flag() int { return nsTypes[k].Flag }

// Link is the name of the /proc/PID/ns entry that holds a thread's namespace
// of this kind for the purposes of joining ("pid_for_children" for pid).
func (k Kind) Link() string { return nsTypes[k].Link }

// Joinable reports whether a thread of a multi-threaded process can setns
// into this kind: user and time namespaces refuse it (EINVAL, EUSERS).
func (k Kind) Joinable() bool { return k != KindUser && k != KindTime }

// UnknownTypeMessage is the argument-error text for a bad type name.
func UnknownTypeMessage(name string, allowed []string) string {
	return "unknown namespace type " + quote(name) + "; expected one of " + strings.Join(allowed, ", ")
}
