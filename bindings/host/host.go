// Package host is the Lua module "nslua": facts about the running nslua and
// hooks into its lifetime.
//
//	nslua.version       the version string `nslua -v` prints ("v0.1.0-3-gabc", "dev")
//	nslua.modules()     sorted names of every module require can load without a file
//	                    (native ones and the embedded stdlib), loaded or not
//	nslua.on_exit(fn)   run fn() when nslua ends — normal end, uncaught error,
//	                    os.exit, SIGINT or SIGTERM — after the script, in reverse
//	                    order of registration, together with the cleanup of every
//	                    resource the script created (like a shell's `trap ... EXIT`);
//	                    an error in fn is printed and the other closers still run
//	nslua.rootless      true when nslua runs as root of a user namespace of its own
//	                    (--rootless, the default for a non-root user): nothing it
//	                    makes can outlive it, and the host's namespaces are out of reach
//	nslua.subids        rootless: how many subordinate ids (beyond root) nslua's user
//	                    namespace maps, from the caller's /etc/subuid and /etc/subgid
//	                    ranges through newuidmap (0 without them); 0 when not rootless
//	nslua.runtime_dir   where state files go: /run/nslua, or rootless a private
//	                    tmpfs under $XDG_RUNTIME_DIR/nslua that ends with nslua
//	nslua.netns_dir     where named netns are pinned (/run/netns, or rootless
//	                    runtime_dir/netns), as ns.names() lists them
package host

import (
	"errors"

	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/engine"
)

// Module returns the "nslua" module for a binary of the given version.
func Module(version string) engine.Module {
	return engine.Module{
		Name: "nslua",
		Doc:  "the running nslua: version, modules(), on_exit(fn)",
		Open: func(vm *engine.VM, L *lua.LState) lua.LValue {
			mod := vm.Funcs(map[string]func(L *lua.LState) int{
				"modules": func(L *lua.LState) int {
					vm.NoMoreArgs(L, 0)
					t := L.NewTable()
					for _, n := range vm.ModuleNames() {
						t.Append(lua.LString(n))
					}
					L.Push(t)
					return 1
				},
				"on_exit": func(L *lua.LState) int {
					fn := vm.CheckFunction(L, 1)
					vm.NoMoreArgs(L, 1)
					vm.OnClose("nslua.on_exit", func() error {
						// closers run after the script's last call returned:
						// the VM's own state is the only user of the stack
						err := vm.L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true})
						var ae *lua.ApiError
						if errors.As(err, &ae) {
							return errors.New(ae.Object.String()) // one line, no traceback
						}
						return err
					})
					return engine.OK(L)
				},
			})
			mod.RawSetString("version", lua.LString(version))
			mod.RawSetString("rootless", lua.LBool(engine.Rootless))
			mod.RawSetString("subids", lua.LNumber(min(engine.SubUIDs, engine.SubGIDs)))
			mod.RawSetString("runtime_dir", lua.LString(engine.RuntimeDir))
			mod.RawSetString("netns_dir", lua.LString(engine.NetnsDir))
			return mod
		},
	}
}
