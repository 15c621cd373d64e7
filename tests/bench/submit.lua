-- wrk script: submits quiz attempts, each once, from BENCH_ATTEMPTS (lines
-- "ATTEMPT_ID TOKEN"), split between wrk's threads. Counts 200 answers; the
-- totals are printed as "acknowledged N" and "other N" at the end.
local items = {}
for line in io.lines(os.getenv("BENCH_ATTEMPTS")) do
	local id, tok = line:match("^(%d+) (%x+)$")
	if id then items[#items + 1] = {id, tok} end
end
local threads = {}
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("slot", nthreads)
	table.insert(threads, thread)
end

function init(args)
	ok, other, pos = 0, 0, slot
	step = tonumber(os.getenv("BENCH_THREADS") or "2")
	body = '{"answers":{"q0":"1","q1":"0","q2":"1"}}'
end

function request()
	local it = items[pos]
	if not it then
		-- Out of attempts: ask for something cheap that is not counted.
		return wrk.format("GET", "/healthz")
	end
	pos = pos + step
	return wrk.format("POST", "/api/v1/attempts/" .. it[1] .. "/submit",
		{["Authorization"] = "Bearer " .. it[2], ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
	if status == 200 and body:sub(1, 1) == "{" then
		ok = ok + 1
	else
		other = other + 1
	end
end

function done(summary, latency, requests)
	local a, o = 0, 0
	for _, t in ipairs(threads) do
		a = a + t:get("ok")
		o = o + t:get("other")
	end
	io.write(string.format("acknowledged %d\nother %d\n", a, o))
end
