--[[
  reserveEmailQuota — counts one email against the day's budget and its user's hourly limit,
  atomically, at most once per email; locks normal sends for the rest of the day when the budget
  is spent. The budget (the daily limit) is for normal-priority email; critical email is never
  refused but is counted in the day's total, which is what the provider bills.

  Input:
    KEYS[1]  the day's total, <prefix>:email:quota:<YYYY-MM-DD> (every email, per recipient)
    KEYS[2]  the day's normal-priority count, <prefix>:email:quota:<YYYY-MM-DD>:normal (the budget used)
    KEYS[3]  this email's reservation, <prefix>:email:quota:<YYYY-MM-DD>:email:<emailKey>
    KEYS[4]  the user's hourly counter, <prefix>:ratelimit:email:<userId>
    KEYS[5]  the quota lock, <prefix>:email:quota:locked, until midnight UTC: the day when our budget
             is used up (informative: the count decides), 'provider:<day>' when Resend said its daily
             quota is exceeded (binding: normal email waits whatever our count says)
    KEYS[6]  the next retry, <prefix>:email:quota:next-retry (epoch ms of the next midnight UTC)
    ARGV[1]  the daily limit of normal-priority email
    ARGV[2]  'high' | 'normal'
    ARGV[3]  recipients of this email (Resend counts each)
    ARGV[4]  seconds until the day keys expire (the next UTC midnight, plus a margin): the reservation's TTL
             (the day counters get theirs when they are made, by the rebuild)
    ARGV[5]  the per-user hourly limit (normal priority; critical email is counted, never held)
    ARGV[6]  the day, YYYY-MM-DD
    ARGV[7]  seconds until the next UTC midnight (the lock's TTL)
    ARGV[8]  epoch ms of the next UTC midnight

  Output: { code, budgetUsed, retryAfterSeconds }
     1  reserved now
     2  already reserved by an earlier attempt of the same email: nothing counted again
     0  the budget cannot take this email, or the day is locked (normal priority): defer the email
        (the lock is set once the budget is fully used)
    -1  the day's counters are missing (Redis restarted or was flushed): rebuild them from Postgres, retry
    -2  the user's hourly limit is reached (normal priority): retry after retryAfterSeconds
]]
local function lockForTheDay()
  redis.call('SET', KEYS[5], ARGV[6], 'EX', tonumber(ARGV[7]))
  redis.call('SET', KEYS[6], ARGV[8], 'EX', tonumber(ARGV[7]))
end

-- One read of everything the decision needs; the day keys carry their TTL from the rebuild that made them.
local state = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
if state[3] then
  return { 2, tonumber(state[2] or '0'), 0 }
end
if not state[1] then
  return { -1, 0, 0 }
end
local used = tonumber(state[2] or '0')
local limit = tonumber(ARGV[1])
local recipients = tonumber(ARGV[3])
local normal = ARGV[2] ~= 'high'
local providerLocked = state[5] == 'provider:' .. ARGV[6]
if normal and (used + recipients > limit or providerLocked) then
  -- Locked only when nothing is left: a smaller email may still fit what a larger one did not.
  if used >= limit and not providerLocked then
    lockForTheDay()
  end
  return { 0, used, 0 }
end
-- Critical email (a security alert) is never held back for an hour; it still counts for the user.
if normal and tonumber(state[4] or '0') >= tonumber(ARGV[5]) then
  local ttl = redis.call('TTL', KEYS[4])
  return { -2, used, ttl > 0 and ttl or 3600 }
end
if redis.call('INCR', KEYS[4]) == 1 then
  redis.call('EXPIRE', KEYS[4], 3600)
end
redis.call('INCRBY', KEYS[1], recipients)
if normal then
  used = redis.call('INCRBY', KEYS[2], recipients)
  if used == recipients then
    -- Made just now (the rebuild makes it with its TTL; only a partial flush leaves it out).
    redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
  end
  if used >= limit then
    lockForTheDay()
  end
end
redis.call('SET', KEYS[3], '1', 'EX', tonumber(ARGV[4]))
return { 1, used, 0 }
