---@meta mount
-- LuaLS definitions for nslua's mount module: mounts of the script's mount
-- namespace (docs/mount.md; API.md "mount"). Move the script into a mount
-- namespace of its own first (ns.unshare("mnt")) unless you mean to change
-- the host's mounts. Failures return nil, "ENAME: op(arg): text", "ENAME";
-- text says what a bare errno meant: "EINVAL: umount(/x): not a mount point",
-- "EINVAL: mount(tmpfs on /x): tmpfs: Unknown parameter 'bogus'" (docs/mount.md
-- "How failures read").

---Per-mount flags as a string: "ro,nosuid,nodev,noexec,noatime,...".
---@alias nslua.mountflags string

---A spec of mount.apply: proc.spawn's mount spec plus the types and keys
---only apply knows (docs/mount.md "Mount specs").
---@class nslua.applyspec: nslua.mountspec
---@field type string? "bind" (default with source), a file system type, or "mask", "readonly", "dev", "symlink", "dir", "copy"
---@field flags nslua.mountflags? flag words
---@field data string? file-system options
---@field size (integer|string)? tmpfs and overlay with tmpfs: bytes or "64m"
---@field mode (integer|string)? tmpfs and dir: a number or an octal string
---@field lower (string|string[])? overlay: lower layers, top first
---@field upper string? overlay
---@field work string? overlay
---@field tmpfs boolean? overlay: upper and work on a throw-away tmpfs

---@class nslua.mount.module
local mount = {}

---mount -t fstype -o flags,data source target. source and fstype may be nil
---for remounts and propagation changes.
---@param source string|nil
---@param target string
---@param fstype string|nil
---@param flags? nslua.mountflags
---@param data? string filesystem options ("size=64m,mode=755")
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.mount(source, target, fstype, flags, data) end

---mount --bind src dst (--rbind with rec), then read-only and other flags.
---@param src string
---@param dst string
---@param opts? {ro: boolean?, rec: boolean?, flags: nslua.mountflags?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.bind(src, dst, opts) end

---mount -t tmpfs -o size=,mode= tmpfs dst. size: bytes or "64m"; mode: a
---number or an octal string ("1777").
---@param dst string
---@param opts? {size: integer|string|nil, mode: integer|string|nil, flags: nslua.mountflags?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.tmpfs(dst, opts) end

---mount -t proc proc dst, showing the script's pid namespace or that of
---opts.pidns (a process started with a new pid namespace, a pid, a handle).
---@param dst string
---@param opts? {pidns: nslua.nsref?, flags: nslua.mountflags?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.proc(dst, opts) end

---mount -t sysfs sysfs dst (nosuid, nodev, noexec; flags = "ro" for a
---read-only /sys).
---@param dst string
---@param opts? {flags: nslua.mountflags?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.sysfs(dst, opts) end

---mount -t overlay overlay -o lowerdir=,upperdir=,workdir= target. lower is
---a path or a list, top layer first; tmpfs = true puts upper and work on a
---private tmpfs (the writes vanish with the overlay; size limits it, only
---with tmpfs); options: flag words and overlayfs options, as mount -o.
---@param opts {lower: string|string[], upper: string?, work: string?, target: string, tmpfs: boolean?, size: integer|string|nil, ro: boolean?, flags: nslua.mountflags?, options: string?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.overlay(opts) end

---umount(8); detach is umount -l, force umount -f.
---@param target string
---@param opts? {detach: boolean?, force: boolean?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.umount(target, opts) end

---mount --make-[r]TYPE target.
---@param target string
---@param type "private"|"shared"|"slave"|"unbindable"
---@param opts? {rec: boolean?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.propagation(target, type, opts) end

---mount -o remount,bind,FLAGS target: changes the per-mount flags named and
---keeps the others.
---@param target string
---@param flags nslua.mountflags
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.remount(target, flags) end

---pivot_root(8) for the script's mount namespace, then cd /. Without
---put_old the old root is detached at once. new_root must be a mount point.
---@param new_root string
---@param put_old? string
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.pivot_root(new_root, put_old) end

---chroot(8) for the script's thread, then cd /.
---@param dir string
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.chroot(dir) end

---The mounts of the script's mount namespace, or of a process's, as
---findmnt --task PID lists them.
---@param pid? integer|nslua.process
---@return nslua.mountinfo[]|nil mounts
---@return string? errmsg
---@return string? errno
function mount.list(pid) end

---mountpoint(1): true when path is the root of a mount (bind mounts too).
---@param path string
---@return boolean|nil is_mountpoint
---@return string? errmsg
---@return string? errno
function mount.is_mountpoint(path) end

---Make a list of mount specs (as proc.spawn's mounts) in the script's mount
---namespace, targets resolved inside opts.root (default "/"), as a container
---runtime builds a root. Stops at the first failure; what was made before it
---stays. check = true only validates the specs (raising on a bad one).
---@param specs nslua.applyspec[]
---@param opts? {root: string?, check: boolean?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function mount.apply(specs, opts) end

return mount
