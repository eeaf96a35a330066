-- Shared by topo_test.lua (planning) and topo_build_test.lua (building):
-- dofile("test/lua/topo_graphs.lua").random_graph(topo, name, seed, k) makes a
-- seeded random connected graph of k routers — a spanning tree plus up to k
-- extra links — with one host behind each router.
local M = {}

function M.random_graph(topo, name, seed, k)
  math.randomseed(seed)
  local tp = topo.new { name = name }
  local rs = {}
  for i = 1, k do
    rs[i] = tp:router("r" .. i)
    if i > 1 then tp:link(rs[i], rs[math.random(1, i - 1)]) end -- spanning tree
    tp:link(tp:host("h" .. i), rs[i])
  end
  local linked = {}
  for _ = 1, k do
    local a, b = math.random(1, k), math.random(1, k)
    local key = math.min(a, b) .. "-" .. math.max(a, b)
    if a ~= b and not linked[key] then
      linked[key] = true
      tp:link(rs[a], rs[b])
    end
  end
  return tp
end

return M
