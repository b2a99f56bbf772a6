-- wrk: GET PREFIX..ID for ids picked at random from a file of ids (env KX_IDS, one a line),
-- with a bearer token when KX_TOKEN is set. The raw server and klaxond read the same way.
local ids = {}
for line in io.lines(os.getenv("KX_IDS")) do
	ids[#ids + 1] = line
end
local prefix = os.getenv("KX_PREFIX") or "/"
local token = os.getenv("KX_TOKEN")
if token and token ~= "" then
	wrk.headers["Authorization"] = "Bearer " .. token
end
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
request = function()
	return wrk.format("GET", prefix .. ids[math.random(#ids)])
end
