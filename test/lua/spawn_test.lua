-- proc.spawn / proc.run: options, the process object, and bad input. Every
-- namespace claim is checked from outside the child (readlink of
-- /proc/PID/ns, /proc/PID/status, nsenter), not by trusting nslua.
local proc = require "proc"

local function sh(script, opts)
  opts = opts or {}
  opts[1], opts[2], opts[3] = "sh", "-c", script
  return opts
end

local helpers = require "helpers"
local nslink, sleeper = helpers.nslink, helpers.sleeper

-- a scratch root: the host's /usr read-only, relative symlinks for bin and lib
local function rootfs(t)
  local dir = os.tmpname()
  os.remove(dir)
  assert(assert(proc.run{ "mkdir", "-m", "755", dir }).code == 0, "mkdir")
  for _, l in ipairs{ "bin", "sbin", "lib", "lib64" } do
    proc.run{ "ln", "-s", "usr/" .. l, dir .. "/" .. l }
  end
  t:cleanup(function() proc.run{ "rm", "-rf", dir } end)
  return dir, {
    { type = "bind", source = "/usr", target = "/usr", ro = true },
    { type = "proc", target = "/proc" },
    { type = "tmpfs", target = "/tmp", options = "mode=1777,size=4m" },
  }
end

function test_run_captures_output_and_exit_code(t)
  local r = t:ok(proc.run(sh("echo out; echo err >&2; exit 3")))
  t:eq(r, { code = 3, stdout = "out\n", stderr = "err\n", timed_out = false })
end

function test_argv_may_be_given_as_option(t)
  local r = t:ok(proc.run{ argv = { "printf", "%s|", "a b", "c" } })
  t:eq(r.stdout, "a b|c|")
end

function test_signal_gives_128_plus_n(t)
  local r = t:ok(proc.run(sh("kill -KILL $$")))
  t:eq({ r.code, r.signal }, { 137, 9 })
end

function test_timeout_terminates_then_kills(t)
  local r = t:ok(proc.run{ "sleep", "100", timeout = 0.1 })
  t:eq({ r.code, r.signal, r.timed_out }, { 143, 15, true })
  -- a child that ignores SIGTERM gets SIGKILL after kill_grace. The timeout
  -- runs from the spawn: a run where it struck before the shell ignored
  -- SIGTERM (it says "ready" once it does) proves nothing, and is run
  -- again with a longer one
  for _, timeout in ipairs { 0.1, 1, 5 } do
    r = t:ok(proc.run(sh("trap '' TERM; echo ready; exec sleep 100", { timeout = timeout, kill_grace = 0.1 })))
    if r.stdout == "ready\n" then break end
  end
  t:eq({ r.code, r.timed_out, r.stdout }, { 137, true, "ready\n" })
end

function test_max_output_keeps_the_first_bytes(t)
  local r = t:ok(proc.run{ "head", "-c", "200000", "/dev/zero", max_output = 1000 })
  t:eq(#r.stdout, 1000)
  t:eq(r.code, 0)
end

function test_wait_times_out_and_child_runs_on(t)
  local p = sleeper(t)
  local r, msg, code = p:wait(0.05)
  t:eq({ r, code }, { nil, "ETIMEDOUT" })
  t:ok(msg:find("^ETIMEDOUT: wait%(" .. p.pid .. "%)"), msg)
  t:eq(p:running(), true)
  t:ok(io.open("/proc/" .. p.pid .. "/status")):close()
end

-- an option whose value is a call, written last in the table, is one option:
-- gopher-lua alone also appended the call's results to argv
function test_an_option_given_by_a_call_stays_out_of_argv(t)
  local function root() return "/", "extra" end
  local r = t:ok(proc.run { "echo", "a", cwd = root() })
  t:eq(r.stdout, "a\n")
  r = t:ok(proc.run { "echo", "b", join = require("ns").current("net") })
  t:eq(r.stdout, "b\n")
end

-- a timeout beyond what a Go duration holds means "wait as long as it
-- takes": it used to wrap around to a negative duration and expire at once
function test_wait_with_a_huge_timeout_waits_for_the_exit(t)
  local q = sleeper(t)
  t:fails(function() q:wait(-1) end, "bad argument #2 to 'wait' (timeout in seconds (a number >= 0) expected, got -1)")
  t:fails(function() q:wait(0 / 0) end, "expected, got NaN")
  t:fails(function() q:wait("1") end, "expected, got string")
  for _, timeout in ipairs { 1 / 0, 1e300, 1e10 } do
    local p = t:ok(proc.spawn { "sleep", "0.2" })
    local r, msg = p:wait(timeout)
    t:ok(r, tostring(timeout) .. ": " .. tostring(msg))
    t:eq({ r and r.code, p:running() }, { 0, false }, tostring(timeout))
  end
end

function test_kill_accepts_names_and_numbers(t)
  for _, sig in ipairs{ { "TERM", 15 }, { "SIGINT", 2 }, { "hup", 1 }, { 9, 9 } } do
    local p = t:ok(proc.spawn{ "sleep", "100" })
    t:eq(p:kill(sig[1]), true)
    local r = p:wait()
    t:eq(r.signal, sig[2])
    t:eq(p:running(), false)
    local _, _, code = p:kill()
    t:eq(code, "ESRCH")
  end
  local p = sleeper(t)
  t:fails(function() p:kill("NOPE") end, "unknown signal")
end

function test_pipes_while_running(t)
  local p = t:ok(proc.spawn{ "sh", "-c", "echo ready; while read l; do echo \"got $l\"; done", stdin = "pipe", stdout = "pipe" })
  local lines = p:lines()
  t:eq(lines(), "ready")
  t:ok(p:write("one\n"))
  t:eq(lines(), "got one")
  t:ok(p:write("two\nthree\n"))
  t:eq(p:read(4), "got ")
  t:eq(lines(), "two")
  t:eq(p:close_stdin(), true)
  t:eq(lines(), "got three")
  t:eq(lines(), nil)
  t:eq(p:wait().code, 0)
end

function test_wait_returns_unread_output(t)
  local p = t:ok(proc.spawn{ "sh", "-c", "echo a; echo b", stdout = "pipe" })
  t:eq(p:lines()(), "a")
  t:eq(p:wait().stdout, "b\n")
  t:eq(p:read(), nil)
  t:eq(p:wait().stdout, "b\n")
end

function test_write_does_not_wait_for_a_piped_stdout_nobody_reads(t)
  -- cat echoes 1 MB, far more than a pipe holds, while the script is still
  -- writing: nslua collects stdout meanwhile (before, write and cat blocked
  -- on each other until timeout killed cat: EPIPE, stdout cut to 64 KiB)
  local p = t:ok(proc.spawn{ "cat", stdin = "pipe", stdout = "pipe", stderr = "pipe", timeout = 10 })
  local data = string.rep("0123456789abcdef", 65536)
  t:ok(p:write(data))
  t:eq(p:close_stdin(), true)
  local r = t:ok(p:wait())
  t:eq({ r.code, r.timed_out, #r.stdout, r.stderr }, { 0, false, #data, "" })
  t:ok(r.stdout == data, "stdout differs from what was written")
  -- nothing is lost for a script that reads it itself either
  p = t:ok(proc.spawn{ "cat", stdin = "pipe", stdout = "pipe", timeout = 10 })
  t:ok(p:write(data))
  p:close_stdin()
  local got = {}
  for chunk in function() return p:read() end do got[#got + 1] = chunk end
  t:ok(table.concat(got) == data, "read back " .. #table.concat(got) .. " bytes, want " .. #data)
  t:eq(p:wait().stdout, "")
end

function test_reading_a_piped_stdout_loses_nothing_beyond_max_output(t)
  -- one line of 300000 bytes, beyond max_output and the 64 KiB nslua
  -- buffers ahead of the script
  local p = t:ok(proc.spawn(sh("head -c 300000 /dev/zero | tr '\\0' x; echo; echo end",
    { stdout = "pipe", max_output = 10 })))
  local lines = p:lines()
  t:eq(lines(), string.rep("x", 300000))
  t:eq(lines(), "end")
  t:eq(lines(), nil)
  t:eq(p:wait().stdout, "")
  -- a child whose output nobody reads waits once that much is buffered; a
  -- wait then takes the first max_output bytes and drops the rest
  p = t:ok(proc.spawn{ "head", "-c", "1000000", "/dev/zero", stdout = "pipe", max_output = 1 })
  t:cleanup(function() p:kill("KILL"); p:wait() end)
  proc.run{ "sleep", "0.2" }
  t:eq(p:running(), true, "head ended: its output was buffered without bound")
  t:eq(p:wait(), { code = 0, stdout = "\0", timed_out = false })
end

function test_read_after_a_timed_out_wait_returns_what_has_arrived(t)
  for _, how in ipairs{ "read", "lines" } do
    local p = t:ok(proc.spawn(sh("echo a; sleep 5; echo b", { stdout = "pipe" })))
    t:cleanup(function() p:kill("KILL"); p:wait() end)
    local _, _, code = p:wait(0.2)
    t:eq(code, "ETIMEDOUT")
    if how == "read" then t:eq(p:read(), "a\n") else t:eq(p:lines()(), "a") end
    -- it came at once, not when the child had ended
    t:eq(p:running(), true, how .. " waited for the child")
  end
end

function test_wait_waits_for_a_grandchild_holding_stdout_within_its_timeout(t)
  -- like $(...): the result has what a background grandchild writes later
  local r = t:ok(proc.run(sh("(sleep 0.3; echo late) & echo now")))
  t:eq(r.stdout, "now\nlate\n")
  -- the grandchild writes "late" when the test lets it (a line through a
  -- fifo), once the shell has ended and the wait has timed out: not after
  -- a time a busy machine may overrun
  local fifo = os.tmpname()
  os.remove(fifo)
  t:eq(proc.run{ "mkfifo", fifo }.code, 0)
  t:cleanup(function() os.remove(fifo) end)
  local p = t:ok(proc.spawn(sh("(read x < '" .. fifo .. "'; echo late) & echo now", { stdout = "pipe" })))
  helpers.wait_for(function() return not p:running() end, "the shell to end")
  local res, msg, code = p:wait(0.2)
  t:eq({ res, code }, { nil, "ETIMEDOUT" })
  t:ok(msg:find("still holds its stdout open", 1, true), msg)
  t:eq(p:running(), false)
  t:eq(p:read(), "now\n")
  local f = assert(io.open(fifo, "w"))
  f:write("go\n")
  f:close()
  r = t:ok(p:wait())
  t:eq({ r.code, r.stdout }, { 0, "late\n" })
end

-- nslua's open descriptors, as the kernel lists them
local function fd_count()
  return #assert(require("fs").list("/proc/self/fd"))
end

function test_dropped_process_objects_hold_no_descriptors(t)
  t:ok(proc.run{ "true", stdin = "null" })
  -- kept runs on while the fds are counted: its three pipes are in before
  local kept = t:ok(proc.spawn(sh("echo kept; echo err >&2; sleep 1", { stdin = "pipe", stdout = "pipe", stderr = "pipe" })))
  local before = fd_count()
  for _ = 1, 300 do
    proc.spawn{ "true", stdin = "pipe", stdout = "pipe", stderr = "pipe" }
  end
  -- the children end within moments; then their pipes are closed, and the
  -- kept one's three too (before, each spawn kept its three pipe ends open
  -- until the script ended)
  local want, now = before - 3, nil
  local deadline = os.time() + 21 -- 20 s at least: os.time counts whole seconds
  repeat
    now = fd_count()
    if now <= want then break end
    proc.run{ "sleep", "0.05" }
  until os.time() > deadline
  t:ok(now <= want, "fds: " .. before .. " before 300 spawns, " .. now .. " after, want " .. want)
  -- what the kept one wrote was collected before its pipes closed
  t:eq(kept:read(), "kept\n")
  local _, msg, code = kept:write("x")
  t:eq(code, "EPIPE", msg)
  t:eq(kept:wait(), { code = 0, stdout = "", stderr = "err\n", timed_out = false })
end

function test_stdio_null_and_paths(t)
  local out = os.tmpname()
  t:cleanup(function() os.remove(out) end)
  local r = t:ok(proc.run{ "sh", "-c", "cat; echo to-file", stdin = "null", stdout = out, stderr = "null" })
  t:eq(r.code, 0)
  t:eq(r.stdout, nil)
  local f = assert(io.open(out))
  t:eq(f:read("*a"), "to-file\n")
  f:close()
end

function test_env_cwd_uid_gid(t)
  local r = t:ok(proc.run{ "sh", "-c", "echo $FOO $BAR; pwd; id -u; id -g; env | wc -l", env = { FOO = "x", "BAR=y" }, cwd = "/tmp", uid = 1234, gid = 4321 })
  t:eq(r.stdout, "x y\n/tmp\n1234\n4321\n3\n") -- FOO, BAR and PWD set by sh
  local inherited = t:ok(proc.run{ "sh", "-c", "echo $HOME" })
  t:eq(inherited.stdout, os.getenv("HOME") .. "\n")
end

function test_new_namespaces_differ_from_ours(t)
  local p = sleeper(t, { ns = "net,uts,ipc,cgroup,mnt,pid" })
  for _, type in ipairs{ "net", "uts", "ipc", "cgroup", "mnt", "pid" } do
    local ours = nslink("self", type)
    local its = nslink(p.pid, type)
    t:ok(its ~= ours, type .. " namespace not new: " .. its)
    t:eq(tostring(t:ok(p:ns(type))), its)
  end
  -- namespaces not asked for are shared
  t:eq(nslink(p.pid, "user"), nslink("self", "user"))
  -- lsns agrees: the child is the only process in each new namespace
  local json = require "json"
  local seen = {}
  -- lsns reads all of /proc: a process that ends meanwhile can make a run
  -- print nothing, so a run that printed nothing is tried again
  local r
  for _ = 1, 5 do
    r = t:ok(proc.run{ "lsns", "-J", "-p", p.pid })
    if r.code == 0 and r.stdout ~= "" then break end
  end
  t:ok(r.code == 0 and r.stdout ~= "", "lsns -J -p: exit " .. r.code .. ": " .. r.stderr)
  for _, e in ipairs(json.decode(r.stdout).namespaces) do
    seen[e.type] = e
  end
  for _, type in ipairs{ "net", "uts", "ipc", "cgroup", "mnt", "pid" } do
    t:eq({ type, seen[type].ns, seen[type].nprocs, seen[type].pid }, { type, p:ns(type).id, 1, p.pid })
  end
end

function test_hostname_in_new_uts_seen_by_nsenter(t)
  local p = sleeper(t, { hostname = "spawned-box" })
  local r = t:ok(proc.run{ "nsenter", "-t", p.pid, "-u", "hostname" })
  t:eq(r.stdout, "spawned-box\n")
  t:ok(nslink(p.pid, "uts") ~= nslink("self", "uts"))
end

function test_join_enters_all_namespaces_of_a_process(t)
  local a = sleeper(t, { ns = "net,uts,ipc", hostname = "joined" })
  local b = sleeper(t, { join = a })
  for _, type in ipairs{ "net", "uts", "ipc" } do
    t:eq(nslink(b.pid, type), nslink(a.pid, type))
  end
  local r = t:ok(proc.run{ "hostname", join = a.pid })
  t:eq(r.stdout, "joined\n")
  -- ns entries override join for their type
  local c = sleeper(t, { join = a, ns = { net = "new" } })
  t:ok(nslink(c.pid, "net") ~= nslink(a.pid, "net"))
  t:eq(nslink(c.pid, "uts"), nslink(a.pid, "uts"))
  -- a handle joins its own type
  local d = sleeper(t, { ns = { net = a:ns("net") } })
  t:eq(nslink(d.pid, "net"), nslink(a.pid, "net"))
  t:eq(nslink(d.pid, "uts"), nslink("self", "uts"))
end

function test_pid_namespace_child_is_pid_1(t)
  local p = t:ok(proc.spawn{ "sh", "-c", "echo $$ /proc/[0-9]*; exec sleep 1000", ns = "pid,mnt",
    mounts = { { type = "proc", target = "/proc" } }, stdout = "pipe" })
  t:cleanup(function() p:kill("KILL"); p:wait() end)
  t:eq(p:lines()(), "1 /proc/1")
  local f = assert(io.open("/proc/" .. p.pid .. "/status"))
  local status = f:read("*a")
  f:close()
  t:eq(status:match("NSpid:%s*([%d%s]-)\n"), p.pid .. "\t1")
end

function test_user_namespace_default_map(t)
  local p = sleeper(t, { ns = "user" })
  local f = assert(io.open("/proc/" .. p.pid .. "/uid_map"))
  local inside, outside, count = f:read("*a"):match("(%d+)%s+(%d+)%s+(%d+)")
  f:close()
  t:eq({ inside, count }, { "0", "65536" })
  t:ok(tonumber(outside) >= 100000, "outside range " .. outside)
  -- a second child running at the same time gets a range of its own
  local q = sleeper(t, { ns = "user" })
  local g = assert(io.open("/proc/" .. q.pid .. "/uid_map"))
  local other = g:read("*a"):match("%d+%s+(%d+)")
  g:close()
  t:ok(math.abs(tonumber(other) - tonumber(outside)) >= 65536, outside .. " and " .. other .. " overlap")
  -- the child runs as root of its namespace
  local r = t:ok(proc.run{ "id", "-u", ns = "user" })
  t:eq(r.stdout, "0\n")
end

function test_user_namespace_explicit_map(t)
  local r = t:ok(proc.run{ "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g", ns = { user = "new" },
    uid_map = { { 0, 200000, 1000 } }, gid_map = { { 0, 300000, 10 } } })
  local nums = {}
  for n in r.stdout:gmatch("%d+") do nums[#nums + 1] = tonumber(n) end
  t:eq(nums, { 0, 200000, 1000, 0, 300000, 10, 0, 0 })
end

function test_refused_uid_map_names_the_map(t)
  -- overlapping extents: EINVAL from the kernel (EPERM, for ids the caller
  -- may not map, is shown by TestSpawnRefusedMapEPERM from a user namespace)
  local r, msg, code = proc.run{ "true", ns = "user", uid_map = { { 0, 200000, 10 }, { 5, 300000, 10 } } }
  t:eq({ r, code }, { nil, "EINVAL" })
  t:ok(msg:find("0 200000 10, 5 300000 10", 1, true), msg)
end

function test_time_namespace_offsets(t)
  local f = assert(io.open("/proc/uptime"))
  local host = tonumber(f:read("*a"):match("^[%d.]+"))
  f:close()
  local r = t:ok(proc.run{ "cat", "/proc/uptime", "/proc/self/timens_offsets", ns = { time = "new" },
    time_offsets = { boottime = 100000, monotonic = -5 } })
  local inside = tonumber(r.stdout:match("^[%d.]+"))
  -- /proc/uptime counts in 10 ms steps: read within the same step, inside
  -- is host + 100000 exactly, which the floating-point sum may miss by a hair
  t:ok(inside >= host + 100000 - 0.005 and inside < host + 100000 + 60, "uptime " .. inside .. " vs host " .. host)
  t:ok(r.stdout:find("monotonic%s+%-5%s+0"), r.stdout)
  -- without offsets a new time namespace starts at zero offsets
  r = t:ok(proc.run{ "cat", "/proc/self/timens_offsets", ns = "time" })
  t:ok(r.stdout:find("boottime%s+0%s+0"), r.stdout)
end

function test_root_pivots_and_mounts_apply(t)
  local root, mounts = rootfs(t)
  local r = t:ok(proc.run{ "sh", "-c", "echo $$; ls /; touch /usr/x 2>&1; cat /proc/self/mountinfo | wc -l; pwd",
    ns = "pid,mnt,uts", root = root, mounts = mounts, hostname = "rooted" })
  local lines = {}
  for l in r.stdout:gmatch("[^\n]+") do lines[#lines + 1] = l end
  t:eq(lines[1], "1")
  t:ok(r.stdout:find("Read%-only file system"), r.stdout)
  t:eq(lines[#lines], "/")
  -- the host's root is gone: no old_root left, only what we built
  t:ok(not r.stdout:find("\nwork\n"), r.stdout)
  -- as a mapped root in a user namespace too
  r = t:ok(proc.run{ "sh", "-c", "id -u; echo /proc/[0-9]*", ns = "pid,mnt,user", root = root, mounts = mounts })
  t:eq(r.stdout, "0\n/proc/1\n")
  -- and with time offsets through the helper
  r = t:ok(proc.run{ "sh", "-c", "echo $$; readlink /proc/1/exe; pwd", ns = "pid,mnt,time",
    time_offsets = { boottime = 10 }, root = root, mounts = mounts, cwd = "/tmp" })
  -- the helper exec'd the payload: nslua's binary is not reachable as pid 1's exe
  local pid, exe, cwd = r.stdout:match("^(%d+)\n(%S+)\n(%S+)\n$")
  t:eq({ pid, cwd }, { "1", "/tmp" })
  t:ok(exe:find("^/usr/") and not exe:find("nslua") and not exe:find("memfd"), exe)
end

function test_mount_made_inside_stays_inside(t)
  local dir = os.tmpname()
  os.remove(dir)
  t:eq(t:ok(proc.run{ "mkdir", dir }).code, 0)
  t:cleanup(function() os.remove(dir) end)
  local p = t:ok(proc.spawn{ "sh", "-c", "grep -c ' " .. dir .. " ' /proc/self/mountinfo; exec sleep 1000",
    mounts = { { type = "tmpfs", target = dir } }, stdout = "pipe" })
  t:cleanup(function() p:kill("KILL"); p:wait() end)
  t:eq(p:lines()(), "1")
  local f = assert(io.open("/proc/self/mountinfo"))
  t:ok(not f:read("*a"):find(" " .. dir .. " ", 1, true), "mount visible on the host")
  f:close()
end

function test_tty_gives_a_controlling_terminal(t)
  -- the terminal's output goes to nslua's stdout: capture it through a file
  local out = os.tmpname()
  t:cleanup(function() os.remove(out) end)
  local r = t:ok(proc.run{ "sh", "-c", "exec >" .. out .. "; test -t 0 && echo tty; ps -o sid=,tpgid= -p $$; echo $$", tty = true })
  t:eq(r.code, 0)
  local f = assert(io.open(out))
  local text = f:read("*a")
  f:close()
  local sid, tpgid, pid = text:match("^tty\n%s*(%d+)%s+(%d+)\n(%d+)\n$")
  t:ok(sid, text)
  t:eq({ sid, tpgid }, { pid, pid })
end

function test_process_object_is_an_nsref_and_prints(t)
  local p = sleeper(t, { ns = "net" })
  t:ok(tostring(p):find("^process " .. p.pid .. " %(sleep, running%)"))
  local q = sleeper(t, { ns = { net = p } })
  t:eq(nslink(q.pid, "net"), nslink(p.pid, "net"))
end

function test_bad_input(t)
  t:fails(function() proc.spawn() end, "bad argument #1 to 'spawn' %(table")
  t:fails(function() proc.spawn{} end, "argv expected")
  t:fails(function() proc.spawn{ "true", bogus = 1 } end, 'unknown option "bogus"')
  t:fails(function() proc.run{ "true", ns = "net,nett" } end, 'unknown namespace type "nett"')
  t:fails(function() proc.run{ "true", ns = { nett = "new" } } end, 'unknown namespace type "nett"')
  t:fails(function() proc.run{ "true", ns = { net = true } } end, "namespace reference")
  t:fails(function() proc.run{ "true", mounts = { { type = "tmpfs" } } } end, "without a target")
  t:fails(function() proc.run{ "true", mounts = { { type = "tmpfs", target = "/x", size = 1 } } } end, 'unknown mount spec key "size"')
  t:fails(function() proc.run{ "true", mounts = { { type = "bind", target = "/x" } } } end, "without a source")
  t:fails(function() proc.run{ "true", uid_map = { { 0, 1, 1 } } } end, "needs a new user namespace")
  t:fails(function() proc.run{ "true", ns = "user", uid_map = { { 0, 1 } } } end, "inside, outside, count")
  t:fails(function() proc.run{ "true", time_offsets = { boottime = 1 } } end, "needs a new time namespace")
  t:fails(function() proc.run{ "true", ns = "time", time_offsets = { uptime = 1 } } end, 'unknown option "uptime"')
  t:fails(function() proc.run{ "true", stdin = 3 } end, "string expected")
  -- run gives no process object to write to: the child would wait for ever
  t:fails(function() proc.run{ "cat", stdin = "pipe" } end, 'option "stdin": "pipe" needs a process object to write to: use proc.spawn')
  t:fails(function() proc.run{ "true", tty = true, stdout = "null" } end, "not with tty")
  -- a misspelt word is no file name: nothing is created in the working directory
  t:fails(function() proc.run{ "true", stderr = "Pipe" } end, 'option "stderr": "Pipe" is not "pipe"')
  t:fails(function() proc.run{ "true", stdout = "null " } end, '"./null "')
  t:eq(require("fs").type("Pipe"), nil, "a file Pipe was made")
  t:fails(function() proc.run{ "true", timeout = -1 } end, "positive number")
  t:fails(function() proc.run{ "tr\0ue" } end, "NUL")
  t:fails(function() proc.run{ "true", env = { ["A=B"] = "x" } } end, "without '='")
  t:fails(function() proc.run{ "true", hostname = string.rep("h", 65) } end, "1 to 64 bytes")
  t:fails(function() proc.run{ "true" }:wait() end, "attempt to call")
  local p = sleeper(t)
  t:fails(function() p:write("x") end, "not a pipe")
  t:fails(function() p:read() end, "not a pipe")
  t:fails(function() p:ns("nett") end, "unknown namespace type")
  t:fails(function() p:wait("soon") end, "timeout in seconds")
end

function test_missing_program_is_enoent_naming_it(t)
  local r, msg, code = proc.run{ "no-such-program-xyz" }
  t:eq({ r, code }, { nil, "ENOENT" })
  t:ok(msg:find("^ENOENT: exec%(no%-such%-program%-xyz%)"), msg)
  r, msg, code = proc.run{ "/no/such/path", ns = "pid,mnt,net", mounts = { { type = "proc", target = "/proc" } } }
  t:eq({ r, code }, { nil, "ENOENT" })
  t:ok(msg:find("/no/such/path", 1, true), msg)
  r, msg, code = proc.run{ "true", root = "/no/such/root" }
  t:eq({ r, code }, { nil, "ENOENT" })
  t:ok(msg:find("/no/such/root", 1, true), msg)
  -- without a root, a missing mount point is not created on the host
  r, msg, code = proc.run{ "true", mounts = { { type = "tmpfs", target = "/no/such/mountpoint" } } }
  t:eq({ r, code }, { nil, "ENOENT" })
  t:ok(msg:find("/no/such/mountpoint", 1, true), msg)
  t:eq(io.open("/no/such/mountpoint"), nil)
  r, msg, code = proc.run{ "true", cwd = "/no/such/dir" }
  t:eq({ r, code }, { nil, "ENOENT" })
  t:ok(msg:find("/no/such/dir", 1, true), msg)
end

function test_children_follow_the_script_into_a_new_pid_namespace(t)
  local ns = require "ns"
  local outer = nslink("self", "pid")
  t:ok(ns.unshare("pid"))
  local a = sleeper(t)
  local b = sleeper(t)
  t:ok(nslink(a.pid, "pid") ~= outer)
  t:eq(nslink(b.pid, "pid"), nslink(a.pid, "pid"))
  t:eq(tostring(ns.current("pid")), nslink(a.pid, "pid"))
end

-- the bounding set a child keeps and no_new_privs, read from /proc/PID/status
-- by the host while the child runs
local function status_of(t, opts)
  local p = sleeper(t, opts)
  local deadline = os.time() + 20
  local text
  repeat -- the helper (user namespace) execs the payload a moment later
    local f = assert(io.open("/proc/" .. p.pid .. "/status"))
    text = f:read("*a")
    f:close()
  until text:match("Name:%s*sleep") or os.time() > deadline
  return text
end

function test_caps_keep_only_the_named_bounding_set(t)
  local s = status_of(t, { caps = { "net_admin", "CAP_CHOWN" }, no_new_privs = true })
  t:eq(s:match("CapBnd:%s*(%x+)"), "0000000000001001")
  t:eq(s:match("CapEff:%s*(%x+)"), "0000000000001001")
  t:eq(s:match("NoNewPrivs:%s*(%d)"), "1")
  -- in a new user namespace, which starts with a full set, too
  s = status_of(t, { ns = "user", caps = { "sys_admin" } })
  t:eq(s:match("CapBnd:%s*(%x+)"), "0000000000200000")
  -- without the options nothing changes
  s = status_of(t, {})
  t:eq(s:match("NoNewPrivs:%s*(%d)"), "0")
  t:fails(function() proc.run{ "true", caps = { "nope" } } end, 'unknown capability "nope"')
  t:fails(function() proc.run{ "true", caps = "net_admin" } end, "table expected")
end

function test_children_start_in_the_namespaces_of_the_thread_running_lua(t)
  local ns = require "ns"
  local h = t:ok(ns.create("net"))
  t:cleanup(function() h:close() end)
  local inside = ns.with(h, function() return nslink(t:ok(proc.spawn{ "sleep", "1000" }).pid, "net") end)
  t:eq(inside, tostring(h))
  -- outside ns.with, the script's own again
  t:eq(nslink(sleeper(t).pid, "net"), nslink("self", "net"))
end
