-- wrk: POST /incidents as bench/post_incident.lua, but each wrk thread acts for its own tenant
-- (env KX_TOKENS: space-separated bearer tokens, one per thread, reused round robin).
local tokens = {}
for t in string.gmatch(os.getenv("KX_TOKENS") or "", "%S+") do tokens[#tokens + 1] = t end
local next_thread = 0

function setup(thread)
	next_thread = next_thread + 1
	thread:set("token", tokens[(next_thread - 1) % #tokens + 1])
end

function init(args)
	wrk.method = "POST"
	wrk.path = "/incidents"
	wrk.headers["Authorization"] = "Bearer " .. token
	wrk.headers["Content-Type"] = "application/json"
	wrk.body = '{"title":"Checkout error rate above 2% in eu-west","severity":"sev3",'
		.. '"description":"Synthetic incident from the benchmark: p99 latency of the checkout '
		.. 'service is above its objective and the error budget burns at 14x.",'
		.. '"region":"eu","labels":["bench","checkout"]}'
end

function response(status, headers, body)
	if status ~= 201 then
		io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
	end
end
