-- The container recipe (scripts/container.lua) in scripted mode: what it
-- prints is labelled, so a reader knows what each value is.
local proc = require "proc"

function test_recipe_check_output_is_labelled(t)
  if not io.open("/bin/busybox") then t:skip("no /bin/busybox (apt install busybox-static)") end
  -- nslua itself, as a user runs the recipe; stdin is no terminal
  local r = assert(proc.run { "/proc/self/exe", "-r", "container", "--check", stdin = "null" })
  t:eq(r.code, 0, r.stderr)
  local lines = {}
  for l in r.stdout:gmatch("[^\n]+") do table.insert(lines, l) end
  t:eq(lines[1], "hostname inside: busybox", r.stdout)
  -- the init, the shell running the commands and ps: always these three,
  -- named as ps saw them (it used to print a fixed list of four beside a
  -- count of 3 or 4, as wc of a pipeline had started or not)
  t:eq(lines[2], "processes seen inside: 3 (sleep as pid 1, sh, ps)", r.stdout)
  t:eq(lines[3], "the init's root holds: /proc/1/root/bin/busybox", r.stdout)
  t:ok(lines[4] and lines[4]:match("^ok: "), r.stdout)
  t:eq(#lines, 4, r.stdout)
  for _, l in ipairs(lines) do t:ok(l:match("^[%a' ]+: "), "an unlabelled line: " .. l) end
end
