package engine

import lua "github.com/yuin/gopher-lua"

// ResolveNSRefOpt resolves the nsref held in key of the option table at
// argument n (net's ns=, peer_ns=). It returns nil, nil when the key is
// absent, so the caller falls back to the script's own namespace. Type errors
// raise naming the option; failures to open return an OpError.
func (o *Opts) ResolveNSRefOpt(key string, kind Kind) (*Refs, error) {
	v := o.Get(key)
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LString, lua.LNumber:
	case *lua.LUserData:
		if h, ok := v.Value.(*Handle); ok {
			if h.IsClosed() {
				o.Fail(key, "attempt to use a closed nslua.ns")
			}
			if kind >= 0 && h.Kind != kind {
				o.Fail(key, "%s namespace expected, got %s", kind, h)
			}
		} else if _, ok := v.Value.(PIDer); !ok {
			o.Fail(key, "namespace reference expected, got %s", TypeName(v))
		}
	default:
		o.Fail(key, "namespace reference (handle, pid, process, netns name or path) expected, got %s", TypeName(v))
	}
	r := &Refs{}
	if err := o.vm.resolveInto(o.L, o.n, v, kind, r); err != nil {
		r.Release()
		return nil, err
	}
	return r, nil
}

// NSID returns the nsfs device and inode of an open namespace fd.
func NSID(fd int) (dev, ino uint64, err error) {
	id, err := fdID(fd)
	return id.Dev, id.Ino, err
}
