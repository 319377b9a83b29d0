-- wrk script: a sign-in flood. BENCH_FLOOD=wrong sends a wrong password for a real account from
-- one address; BENCH_FLOOD=spray sends unknown emails from many forwarded addresses (the server
-- must trust X-Forwarded-For for this to look like many clients). Needs the pre-session cookie
-- and its token from the sign-in page: BENCH_COOKIE, BENCH_TOKEN, BENCH_EMAIL.
local kind = os.getenv("BENCH_FLOOD") or "wrong"
local cookie = os.getenv("BENCH_COOKIE") or ""
local token = os.getenv("BENCH_TOKEN") or ""
local email = os.getenv("BENCH_EMAIL") or "demo.therapist1@example.com"
local counter = 0

request = function()
  counter = counter + 1
  local headers = {
    ["Cookie"] = cookie,
    ["Origin"] = os.getenv("BENCH_ORIGIN") or "",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  local who = email
  if kind == "spray" then
    who = "nobody" .. counter .. "@example.com"
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(counter / 65536) % 256, math.floor(counter / 256) % 256, counter % 256)
  end
  local body = "csrf_token=" .. token .. "&email=" .. who:gsub("@", "%%40") .. "&password=not-the-password-" .. counter
  return wrk.format("POST", "/login", headers, body)
end
