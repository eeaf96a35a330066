package engine

import lua "github.com/yuin/gopher-lua"

// ResolveNSRefOpt resolves the nsref held in key of the option table at
// argument n (net's ns=, peer_ns=). It returns nil, nil when the key is
// absent, so the caller falls back to the script's own namespace. Type errors
// raise naming the option; failures to open return an OpError.
func (o *Opts) ResolveNSRefOpt(key string, kind Kind) (*Refs, error) {
	v := o.Get(key)
	if v == lua.LNil {
		return nil, nil
	}
	return o.vm.ResolveNSRefValue(v, kind, func(format string, args ...any) { o.Fail(key, format, args...) })
}

// NSID returns the nsfs device and inode of an open namespace fd.
func NSID(fd int) (dev, ino uint64, err error) {
	id, err := fdID(fd)
	return id.Dev, id.Ino, err
}
