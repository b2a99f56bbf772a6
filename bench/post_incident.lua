-- wrk: POST /incidents with a bearer token (env KX_TOKEN). The body makes an incident of about
-- the size of the raw baseline's 300-byte row.
local token = os.getenv("KX_TOKEN")
wrk.method = "POST"
wrk.path = "/incidents"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"Checkout error rate above 2% in eu-west","severity":"sev3",'
	.. '"description":"Synthetic incident from the benchmark: p99 latency of the checkout '
	.. 'service is above its objective and the error budget burns at 14x.",'
	.. '"region":"eu","labels":["bench","checkout"]}'
