-- wrk script for the cart and checkout benchmarks (bench/flash_sale.py).
--
--   wrk -t<T> -c<T> -d<limit>s -s bench/flash_sale.lua <base> \
--       -- <mode> <ids file> <arg> <T> <done file> <closed port>
--
-- mode "checkout": every request is POST /api/v1/checkout/ for the next cart id
--   of this thread, with a fresh Idempotency-Key, payment token tok_visa and the
--   shipping method code <arg>. Each id is used once; the thread stops itself
--   after the response to its last cart (run it with one connection per thread,
--   -t == -c, so no other request of the thread is in flight at that moment).
-- mode "add": POST /api/v1/carts/<id>/lines/ {"sku": <arg>, "quantity": 1},
--   cycling over this thread's carts until wrk's duration ends.
-- mode "patch": PATCH /api/v1/carts/<id>/lines/<arg>/ {"quantity": <random 1-5>},
--   cycling over this thread's carts (each holds a line of SKU <arg>).
-- mode "get": GET <arg> (a path), for the read-only pages.
--
-- Cart ids (one per line) are dealt round-robin: thread i takes lines i, i+T, ...
-- When a thread has finished its share it appends a line to <done file>, so the
-- driver can end wrk (SIGINT) as soon as every thread is done.
-- done() prints one "RESULT key=value ..." line: status counts and latency
-- percentiles in microseconds over every completed request.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local mode, arg, nthreads, donefile, closed_port
local ids = {}
local next_index = 1
local finished = false
local extra = 0
local seq = 0
status_counts = {}

local function key()
  seq = seq + 1
  return string.format("bench-%d-%d-%d-%d", tid, seq, os.time(), math.random(1, 1e9))
end

function init(args)
  mode, arg, nthreads, donefile = args[1], args[3], tonumber(args[4] or "1"), args[5]
  closed_port = args[6]
  math.randomseed(os.time() + tid * 7919)
  if args[2] and args[2] ~= "-" then
    local index = 0
    for line in io.lines(args[2]) do
      if line ~= "" then
        if index % nthreads == tid then
          table.insert(ids, line)
        end
        index = index + 1
      end
    end
  end
  wrk.headers["X-Forwarded-Proto"] = "https"
  wrk.headers["Content-Type"] = "application/json"
end

local function mark_done()
  if not finished then
    finished = true
    if donefile then
      local f = io.open(donefile, "a")
      f:write(string.format("%d\n", tid))
      f:close()
    end
  end
end

function request()
  if mode == "get" then
    return wrk.format("GET", arg)
  end
  if mode == "add" then
    local id = ids[next_index]
    next_index = next_index % #ids + 1
    local body = string.format('{"sku": "%s", "quantity": 1}', arg)
    return wrk.format("POST", "/api/v1/carts/" .. id .. "/lines/", nil, body)
  end
  if mode == "patch" then
    local id = ids[next_index]
    next_index = next_index % #ids + 1
    local body = string.format('{"quantity": %d}', math.random(1, 5))
    return wrk.format("PATCH", "/api/v1/carts/" .. id .. "/lines/" .. arg .. "/", nil, body)
  end
  -- checkout
  -- The cursor moves on in response(), not here: wrk calls request() once
  -- before the run to verify the script, and that call must not use up a cart.
  local id = ids[next_index]
  if id == nil then
    -- Should not happen with -t == -c: counted so the driver can flag it.
    extra = extra + 1
    return wrk.format("GET", "/healthz")
  end
  local body = string.format(
    '{"cart_id": "%s", "email": "shopper%d-%d@example.com", '
      .. '"shipping_address": {"name": "Bench Shopper", "line1": "1 Sale Street", '
      .. '"city": "Springfield", "region": "IL", "postal_code": "62701", "country": "US"}, '
      .. '"shipping_method": "%s", "payment_token": "tok_visa"}',
    id, tid, next_index, arg)
  -- wrk.format uses the given table instead of wrk.headers: copy them.
  local headers = { ["Idempotency-Key"] = key() }
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  return wrk.format("POST", "/api/v1/checkout/", headers, body)
end

function response(status, headers, body)
  local name = tostring(status)
  if status == 409 and body then
    -- "insufficient_stock", "stale_cart", ...: which kind of conflict it was.
    local code = string.match(body, '"code"%s*:%s*"([%w_]+)"') or "unknown"
    if code == "stale_cart" then
      -- checked before any lock: the stock was gone already ("insufficient_stock")
      local reason = string.match(body, '"reason"%s*:%s*"([%w_]+)"')
      code = code .. ":" .. (reason or "changed")
    end
    name = name .. "_" .. code
  end
  status_counts[name] = (status_counts[name] or 0) + 1
  if mode == "checkout" then
    next_index = next_index + 1
    if next_index > #ids then
      mark_done()
      -- gunicorn closes every connection, and wrk reconnects right after this
      -- callback. That idle connection would hold a sync worker (waiting for a
      -- request line) until wrk exits, starving the threads still running:
      -- point the reconnect at a loopback port where nothing listens instead.
      if closed_port then
        wrk.thread.addr = wrk.lookup("127.0.0.1", closed_port)[1]
      end
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local totals = {}
  local extras = 0
  for _, thread in ipairs(threads) do
    local counts = thread:get("status_counts")
    for name, count in pairs(counts) do
      totals[name] = (totals[name] or 0) + count
    end
    extras = extras + (thread:get("extra") or 0)
  end
  local parts = {}
  for name, count in pairs(totals) do
    table.insert(parts, string.format("s%s=%d", name, count))
  end
  io.write(string.format(
    "RESULT requests=%d extra=%d p50=%d p95=%d p99=%d max=%d "
      .. "connect=%d read=%d write=%d timeout=%d %s\n",
    summary.requests, extras,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, table.concat(parts, " ")))
end
