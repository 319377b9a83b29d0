-- wrk script: every request is the same one, described by the environment (so one script serves
-- every page of the benchmark). BENCH_METHOD (GET or POST), BENCH_COOKIE, BENCH_TOKEN (sent as
-- X-CSRF-Token), BENCH_BODY (a form body for POST), BENCH_ACCEPT.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
wrk.method = method
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") or ""
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN") or ""
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["Accept"] = os.getenv("BENCH_ACCEPT") or "text/html"
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["X-CSRF-Token"] = token
end
if method == "POST" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.body = body or ""
end
