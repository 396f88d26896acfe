--[[
  reserveEmailQuota — counts one email against the day's budget and its user's hourly limit,
  atomically, at most once per email. The daily limit is the provider's cap on all email, so every
  email counts in one total (critical email included, as the provider bills it). Normal email stops
  once the total reaches limit − reserve: the reserve keeps room under the cap for critical email,
  which is never refused here. The day is locked for normal email once that point is reached.

  Input:
    KEYS[1]  the day's total, <prefix>:email:quota:<YYYY-MM-DD> (every email, per recipient)
    KEYS[2]  this email's reservation, <prefix>:email:quota:<YYYY-MM-DD>:email:<emailKey>
    KEYS[3]  the user's hourly counter, <prefix>:ratelimit:email:<userId>
    KEYS[4]  the quota lock, <prefix>:email:quota:locked, until midnight UTC: the day when normal
             email reached limit − reserve (informative: the count decides), 'provider:<day>' when
             Resend said its daily quota is exceeded (binding: normal email waits whatever our count says)
    KEYS[5]  the next retry, <prefix>:email:quota:next-retry (epoch ms of the next midnight UTC)
    ARGV[1]  the daily limit (all email)
    ARGV[2]  'high' | 'normal'
    ARGV[3]  recipients of this email (Resend counts each)
    ARGV[4]  seconds until the day keys expire (the next UTC midnight, plus a margin): the reservation's TTL
             (the day's total gets its TTL when it is made, by the rebuild)
    ARGV[5]  the per-user hourly limit (normal priority; critical email is counted, never held)
    ARGV[6]  the day, YYYY-MM-DD
    ARGV[7]  seconds until the next UTC midnight (the lock's TTL)
    ARGV[8]  epoch ms of the next UTC midnight
    ARGV[9]  the critical reserve: places of the limit that normal email leaves to critical email

  Output: { code, used, retryAfterSeconds }   (used: the day's total after this call)
     1  reserved now
     2  already reserved by an earlier attempt of the same email: nothing counted again
     0  normal priority, and the budget (limit − reserve) cannot take this email, or the day is
        locked: defer the email (the lock is set once the budget is fully used)
    -1  the day's total is missing (Redis restarted or was flushed): rebuild it from Postgres, retry
    -2  the user's hourly limit is reached (normal priority): retry after retryAfterSeconds
]]
local function lockForTheDay()
  redis.call('SET', KEYS[4], ARGV[6], 'EX', tonumber(ARGV[7]))
  redis.call('SET', KEYS[5], ARGV[8], 'EX', tonumber(ARGV[7]))
end

-- One read of everything the decision needs; the day's total carries its TTL from the rebuild that made it.
local state = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
if not state[1] then
  return { -1, 0, 0 }
end
local used = tonumber(state[1])
if state[2] then
  return { 2, used, 0 }
end
local budget = tonumber(ARGV[1]) - tonumber(ARGV[9])
local recipients = tonumber(ARGV[3])
local normal = ARGV[2] ~= 'high'
local providerLocked = state[4] == 'provider:' .. ARGV[6]
if normal and (used + recipients > budget or providerLocked) then
  -- Locked only when nothing is left: a smaller email may still fit what a larger one did not.
  if used >= budget and not providerLocked then
    lockForTheDay()
  end
  return { 0, used, 0 }
end
-- Critical email (a security alert) is never held back for an hour; it still counts for the user.
if normal and tonumber(state[3] or '0') >= tonumber(ARGV[5]) then
  local ttl = redis.call('TTL', KEYS[3])
  return { -2, used, ttl > 0 and ttl or 3600 }
end
if redis.call('INCR', KEYS[3]) == 1 then
  redis.call('EXPIRE', KEYS[3], 3600)
end
used = redis.call('INCRBY', KEYS[1], recipients)
if normal and used >= budget then
  lockForTheDay()
end
redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[4]))
return { 1, used, 0 }
