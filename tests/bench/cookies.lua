-- wrk script: GET BENCH_PATH with a session cookie taken in turn from
-- BENCH_TOKENS (one token per line), so the requests spread over many sessions.
local path = os.getenv("BENCH_PATH") or "/"
local tokens = {}
local file = os.getenv("BENCH_TOKENS")
if file then
	for line in io.lines(file) do
		if #line == 64 then tokens[#tokens + 1] = line end
	end
end
local i = 0

function setup(thread)
	thread:set("offset", math.random(1, 100000))
end

function init(args)
	i = offset or 0
end

function request()
	i = i + 1
	if #tokens == 0 then
		return wrk.format("GET", path)
	end
	return wrk.format("GET", path, {["Cookie"] = "sala_session=" .. tokens[(i % #tokens) + 1]})
end
