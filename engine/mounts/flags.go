// Package mounts holds the mount operations that the mount module and
// proc.spawn's mounts= option share: flags written as mount(8) writes them
// ("ro,nosuid,nodev"), thin wrappers over mount(2), umount2(2),
// mount_setattr(2), the fsopen(2) family and pivot_root(2), and mount specs —
// declarative descriptions of mounts applied inside a root filesystem that a
// container is built from.
//
// Every function acts on the calling thread's mount namespace and root: the
// Lua VM thread, a worker inside ns.with, or a spawner thread preparing a child.
package mounts

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// flagBit is one readable flag: the MS_* bits it sets, or clears when clear is
// true ("rw" clears MS_RDONLY, "exec" clears MS_NOEXEC).
type flagBit struct {
	bits  uintptr
	clear bool
}

// flagNames are the flags mount(8) understands that map to mount(2) flag bits
// rather than to file-system data.
var flagNames = map[string]flagBit{
	"ro":          {unix.MS_RDONLY, false},
	"rw":          {unix.MS_RDONLY, true},
	"nosuid":      {unix.MS_NOSUID, false},
	"suid":        {unix.MS_NOSUID, true},
	"nodev":       {unix.MS_NODEV, false},
	"dev":         {unix.MS_NODEV, true},
	"noexec":      {unix.MS_NOEXEC, false},
	"exec":        {unix.MS_NOEXEC, true},
	"sync":        {unix.MS_SYNCHRONOUS, false},
	"async":       {unix.MS_SYNCHRONOUS, true},
	"dirsync":     {unix.MS_DIRSYNC, false},
	"mand":        {unix.MS_MANDLOCK, false},
	"nomand":      {unix.MS_MANDLOCK, true},
	"noatime":     {unix.MS_NOATIME, false},
	"atime":       {unix.MS_NOATIME, true},
	"nodiratime":  {unix.MS_NODIRATIME, false},
	"diratime":    {unix.MS_NODIRATIME, true},
	"relatime":    {unix.MS_RELATIME, false},
	"norelatime":  {unix.MS_RELATIME, true},
	"strictatime": {unix.MS_STRICTATIME, false},
	"lazytime":    {unix.MS_LAZYTIME, false},
	"nolazytime":  {unix.MS_LAZYTIME, true},
	"nosymfollow": {unix.MS_NOSYMFOLLOW, false},
	"symfollow":   {unix.MS_NOSYMFOLLOW, true},
	"silent":      {unix.MS_SILENT, false},
	"loud":        {unix.MS_SILENT, true},
	"remount":     {unix.MS_REMOUNT, false},
	"bind":        {unix.MS_BIND, false},
	"rbind":       {unix.MS_BIND | unix.MS_REC, false},
	"move":        {unix.MS_MOVE, false},
	"rec":         {unix.MS_REC, false},
	"private":     {unix.MS_PRIVATE, false},
	"rprivate":    {unix.MS_PRIVATE | unix.MS_REC, false},
	"shared":      {unix.MS_SHARED, false},
	"rshared":     {unix.MS_SHARED | unix.MS_REC, false},
	"slave":       {unix.MS_SLAVE, false},
	"rslave":      {unix.MS_SLAVE | unix.MS_REC, false},
	"unbindable":  {unix.MS_UNBINDABLE, false},
	"runbindable": {unix.MS_UNBINDABLE | unix.MS_REC, false},
}

// FlagNames lists the flag words ParseFlags accepts, sorted.
func FlagNames() []string {
	names := make([]string, 0, len(flagNames))
	for n := range flagNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Flags is a parsed flag string: the bits to set and the bits explicitly
// cleared ("rw", "exec"). Remount starts from a mount's current flags, so a
// cleared bit matters there.
type Flags struct {
	Set, Clear uintptr
}

// ParseFlags parses "ro,nosuid,nodev" (commas, surrounding spaces ignored). An
// unknown word is an error naming it: file-system options such as size=
// belong in the data argument.
func ParseFlags(s string) (Flags, error) {
	var f Flags
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		b, ok := flagNames[w]
		if !ok {
			hint := ""
			if strings.Contains(w, "=") {
				hint = "; file-system options like " + w + " go in the data argument"
			}
			return f, fmt.Errorf("unknown mount flag %q%s", short(w), hint)
		}
		if b.clear {
			f.Clear |= b.bits
			f.Set &^= b.bits
		} else {
			f.Set |= b.bits
			f.Clear &^= b.bits
		}
	}
	return f, nil
}

func short(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// attrBits maps per-mount MS_* flags to the MOUNT_ATTR_* bits of
// mount_setattr(2), which changes them on a whole tree at once.
var attrBits = []struct {
	ms   uintptr
	attr uint64
}{
	{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY},
	{unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
	{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV},
	{unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
	{unix.MS_NODIRATIME, unix.MOUNT_ATTR_NODIRATIME},
	{unix.MS_NOSYMFOLLOW, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// atime modes are one field of mount_setattr, not bits.
var atimeModes = []struct {
	ms   uintptr
	attr uint64
}{
	{unix.MS_NOATIME, unix.MOUNT_ATTR_NOATIME},
	{unix.MS_STRICTATIME, unix.MOUNT_ATTR_STRICTATIME},
	{unix.MS_RELATIME, unix.MOUNT_ATTR_RELATIME},
}

// perMount are the flags a bind mount (or a remount of one) can change
// without touching the file system beneath.
const perMount = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
	unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_NOSYMFOLLOW

// operations are the flag words that name what mount(2) does (remount, bind,
// move, a propagation change) rather than how the new mount behaves.
const operations = unix.MS_REMOUNT | unix.MS_BIND | unix.MS_MOVE | unix.MS_REC |
	unix.MS_PRIVATE | unix.MS_SHARED | unix.MS_SLAVE | unix.MS_UNBINDABLE

// CheckNew refuses the flag words of s (as ParseFlags or SplitOptions
// read them; other words are left to them) that cannot describe a new
// mount: the operation words (bind, move, remount, rec, propagation), which
// belong to mount.mount, and for a bind mount (bind true) also the
// file-system flags (sync, mand, lazytime, ...) that a bind cannot change.
// The error names the first word refused.
func CheckNew(s string, bind bool) error {
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		b, ok := flagNames[w]
		switch {
		case !ok:
		case b.bits&operations != 0:
			return fmt.Errorf("mount flag %q is not a flag of a new mount (mount.mount, mount.bind and mount.propagation do that)", w)
		case bind && b.bits&^perMount != 0:
			return fmt.Errorf("mount flag %q cannot change on a bind mount (only ro, rw, nosuid, suid, nodev, dev, "+
				"noexec, exec, noatime, relatime, strictatime, nodiratime, nosymfollow can)", w)
		}
	}
	return nil
}

// mountAttr turns per-mount flags into a mount_setattr request: bits set,
// bits cleared, and the atime mode when one was named.
func (f Flags) mountAttr() (unix.MountAttr, bool) {
	var a unix.MountAttr
	for _, b := range attrBits {
		if f.Set&b.ms != 0 {
			a.Attr_set |= b.attr
		}
		if f.Clear&b.ms != 0 {
			a.Attr_clr |= b.attr
		}
	}
	for _, m := range atimeModes {
		if f.Set&m.ms != 0 {
			a.Attr_clr |= unix.MOUNT_ATTR__ATIME
			a.Attr_set |= m.attr
		}
	}
	if f.Clear&unix.MS_NOATIME != 0 && a.Attr_clr&unix.MOUNT_ATTR__ATIME == 0 {
		// "atime" alone: back to the default, relatime
		a.Attr_clr |= unix.MOUNT_ATTR__ATIME
		a.Attr_set |= unix.MOUNT_ATTR_RELATIME
	}
	return a, a.Attr_set != 0 || a.Attr_clr != 0
}
