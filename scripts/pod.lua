-- pod.lua: two containers sharing one network namespace, as a Kubernetes pod, talking over 127.0.0.1
--
-- One netns is made for the pod (loopback up); the "web" container serves
-- HTTP on 127.0.0.1:8080 with busybox httpd, the "client" container fetches
-- a page from it. Each container has its own mount, pid, uts and ipc
-- namespaces and root file system; only the network is shared.
--
--        pod netns (lo 127.0.0.1)
--   +--------------+  +-----------------+
--   | web: httpd   |  | client: wget    |
--   | :8080        |<-| 127.0.0.1:8080  |
--   +--------------+  +-----------------+
local container = require "container"
local mount = require "mount"
local net = require "net"
local ns = require "ns"
local proc = require "proc"
local recipes = require "recipes"

recipes.args("")

assert(ns.unshare("mnt"))
assert(mount.tmpfs("/mnt", { size = "64m" }))
local rootfs = container.rootfs_from_host("/mnt/rootfs")
-- the page the web container serves, from a volume
assert(mount.apply({ { type = "dir", target = "/mnt/www" } }))
local f = assert(io.open("/mnt/www/index.html", "w"))
f:write("hello from the web container\n")
f:close()

local pod = assert(ns.create("net"))
assert(net.link("lo", { ns = pod }):up())

local web = container.new { rootfs = rootfs, hostname = "web", net = pod,
  mounts = { { source = "/mnt/www", target = "/www", ro = true } } }
local client = container.new { rootfs = rootfs, hostname = "client", net = pod }

local server = web:start { "httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/www" }

-- wait until the server listens (poll, with a deadline)
local r
for _ = 1, 100 do
  r = client:run { "wget", "-q", "-O", "-", "http://127.0.0.1:8080/" }
  if r.code == 0 then break end
  proc.run { "/bin/sleep", "0.05" }
end
io.write("client got: ", r.stdout)
assert(r.code == 0 and r.stdout == "hello from the web container\n", "the client could not reach the web container: " .. r.stderr)

-- outside: both containers are in the pod's netns, in different pid and mnt namespaces
local s, me = proc.info(server.pid), proc.info(proc.self())
assert(s.ns.net == pod.id and s.ns.net ~= me.ns.net, "the web container is not in the pod's netns")
-- and the host's loopback does not reach the pod's
local host = proc.run { "/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:8080/" }
assert(host.stdout ~= "hello from the web container\n", "the pod's server answered on the host's loopback")
web:stop(0.2)
print("ok: two containers shared one network namespace over loopback")
