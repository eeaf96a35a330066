-- fs and recipes: the small helpers topo stands on.
local fs = require "fs"
local recipes = require "recipes"

local function tmpdir(t)
  local base = os.tmpname()
  os.remove(base)
  assert(fs.mkdir(base, { mode = 448 }))
  t:cleanup(function() os.execute("rm -rf '" .. base .. "'") end)
  return base
end

function test_mkdir_and_list(t)
  local d = tmpdir(t)
  t:eq(fs.list(d), {})
  t:ok(fs.mkdir(d .. "/a/b/c", { parents = true }))
  t:ok(fs.mkdir(d .. "/a/b/c", { parents = true })) -- exists: fine with parents
  local ok, msg, code = fs.mkdir(d .. "/a")
  t:eq({ ok, code }, { nil, "EEXIST" })
  t:ok(msg:find("^EEXIST: mkdir%("), msg)
  assert(io.open(d .. "/z", "w")):close()
  t:eq(fs.list(d), { "a", "z" })
  ok, msg, code = fs.list(d .. "/nope")
  t:eq({ ok, code }, { nil, "ENOENT" })
end

-- fs.read gives what cat gives, NUL bytes and long lines included, and a
-- triple naming the errno where cat fails
function test_read_as_cat(t)
  local d = tmpdir(t)
  assert(os.execute("printf 'a\\000b\\n' > '" .. d .. "/f' && head -c 70000 /dev/urandom >> '" .. d .. "/f'"))
  local p = assert(io.popen("cat '" .. d .. "/f'"))
  local want = p:read("*a")
  p:close()
  local got = fs.read(d .. "/f")
  t:eq(#got, #want)
  t:ok(got == want, "contents differ from cat's")
  local ok, msg, code = fs.read(d .. "/nope")
  t:eq({ ok, code, msg }, { nil, "ENOENT", "ENOENT: open(" .. d .. "/nope): no such file or directory" })
  ok, msg, code = fs.read(d)
  t:eq({ ok, code }, { nil, "EISDIR" })
end

-- fs.type agrees with stat(1) on every kind of file the kernel makes here
function test_type_agrees_with_stat(t)
  local d = tmpdir(t)
  assert(io.open(d .. "/file", "w")):close()
  assert(os.execute("mkfifo '" .. d .. "/fifo' && ln -s file '" .. d .. "/link' && ln -s nope '" .. d .. "/dangling'"))
  local stat_names = { ["directory"] = "dir", ["regular empty file"] = "file", ["regular file"] = "file",
    ["character special file"] = "char", ["block special file"] = "block", ["fifo"] = "fifo",
    ["socket"] = "socket", ["symbolic link"] = "link" }
  for _, p in ipairs { d, d .. "/file", d .. "/fifo", d .. "/link", d .. "/dangling", "/dev/null", "/proc/self" } do
    local f = assert(io.popen("stat -L -c %F '" .. p .. "' 2>/dev/null || stat -c %F '" .. p .. "'"))
    local want = stat_names[f:read("*l")]
    f:close()
    t:eq(fs.type(p), want, p)
  end
  local ok, msg, code = fs.type(d .. "/nope")
  t:eq({ ok, code }, { nil, "ENOENT" })
  t:ok(msg:find("^ENOENT: stat%("), msg)
end

function test_isatty(t)
  -- the test runner's streams are pipes
  t:eq(fs.isatty("stdout"), false)
  t:eq(fs.isatty(99), false)
end

function test_fs_bad_input(t)
  t:fails(function() fs.mkdir() end, "bad argument #1 to 'mkdir' (string expected, got no value)")
  t:fails(function() fs.mkdir("") end, "invalid path")
  t:fails(function() fs.mkdir("a\0b") end, "invalid path")
  t:fails(function() fs.mkdir("/tmp/x", { parent = true }) end, "parent")
  t:fails(function() fs.mkdir("/tmp/x", { mode = -1 }) end, "mode")
  t:fails(function() fs.mkdir("/tmp/x", {}, 3) end, "no more than 2")
  t:fails(function() fs.list(42) end, "string expected")
  t:fails(function() fs.type() end, "bad argument #1 to 'type' (string expected, got no value)")
  t:fails(function() fs.type("/", 1) end, "no more than 1")
  t:fails(function() fs.isatty("tty") end, 'unknown stream "tty"')
  t:fails(function() fs.isatty(-1) end, "negative")
  t:fails(function() fs.isatty({}) end, "stream name or fd")
  local huge = ("x"):rep(100000)
  local ok, _, code = fs.mkdir("/tmp/" .. huge)
  t:eq({ ok, code }, { nil, "ENAMETOOLONG" })
end

function test_recipes(t)
  local names = {}
  for _, r in ipairs(recipes.list()) do names[r.name] = r.doc end
  t:ok(names.demo and names.demo ~= "", "demo has a description")
  t:ok(names["two-hosts"])
  local lab = assert(recipes.read("lab.json"))
  t:eq(require("json").decode(lab).name, "lab")
  local ok, _, code = recipes.read("nope.json")
  t:eq({ ok, code }, { nil, "ENOENT" })
  t:fails(function() recipes.read("../go.mod") end, "invalid recipe file name")
  t:fails(function() recipes.read("a\0b") end, "invalid")
  t:fails(function() recipes.read() end, "string expected")
end

-- fs.mkdir gives what it creates exactly the mode asked for, as mkdir -m:
-- setgid and sticky bits included, the umask left out; stat(1) agrees
function test_mkdir_mode_is_exact(t)
  local d = tmpdir(t)
  local function mode_of(p)
    local f = assert(io.popen("stat -c %a '" .. p .. "'"))
    local m = f:read("*l")
    f:close()
    return m
  end
  for _, m in ipairs { "1777", "2755", "777", "0", "700" } do
    t:ok(fs.mkdir(d .. "/m" .. m, { mode = tonumber(m, 8) }))
    t:eq(mode_of(d .. "/m" .. m), m, "mode " .. m)
  end
  t:ok(fs.mkdir(d .. "/p/q/r", { parents = true, mode = tonumber("1770", 8) }))
  for _, p in ipairs { "/p", "/p/q", "/p/q/r" } do t:eq(mode_of(d .. p), "1770", p) end
  t:ok(fs.mkdir(d .. "/p", { parents = true, mode = tonumber("700", 8) })) -- exists: left alone
  t:eq(mode_of(d .. "/p"), "1770")
  t:ok(fs.mkdir(d .. "/default"))
  t:eq(mode_of(d .. "/default"), "755")
end

-- mkdir -p names the directory it could not make, not the one asked for
function test_mkdir_parents_names_the_failing_directory(t)
  local ok, msg, code = fs.mkdir("/proc/nslua-no-such/sub/dir", { parents = true })
  t:eq({ ok, code }, { nil, "ENOENT" })
  t:eq(msg, "ENOENT: mkdir(/proc/nslua-no-such): no such file or directory")
end
