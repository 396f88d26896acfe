--[[
  reserveEmailQuota — counts one email against the day's budget and its user's hourly limit,
  atomically, at most once per email; locks normal sends for the rest of the day when the budget
  is spent.

  Input:
    KEYS[1]  the day's counter, <prefix>:email:quota:<YYYY-MM-DD> (emails counted per recipient)
    KEYS[2]  this email's reservation, <prefix>:email:quota:<YYYY-MM-DD>:email:<emailKey>
    KEYS[3]  the user's hourly counter, <prefix>:ratelimit:email:<userId>
    KEYS[4]  the quota lock, <prefix>:email:quota:locked (the day it was set for, until midnight UTC)
    KEYS[5]  the next retry, <prefix>:email:quota:next-retry (epoch ms of the next midnight UTC)
    ARGV[1]  the daily limit (normal priority only; high priority is counted but never refused)
    ARGV[2]  'high' | 'normal'
    ARGV[3]  recipients of this email (Resend counts each)
    ARGV[4]  seconds until the day keys expire (the next UTC midnight, plus a margin)
    ARGV[5]  the per-user hourly limit
    ARGV[6]  the day, YYYY-MM-DD
    ARGV[7]  seconds until the next UTC midnight (the lock's TTL)
    ARGV[8]  epoch ms of the next UTC midnight

  Output: { code, dailyCount, retryAfterSeconds }
     1  reserved now
     2  already reserved by an earlier attempt of the same email: nothing counted again
     0  the daily budget is spent, or the day is locked (normal priority): defer the email; the lock is set
    -1  the day's counter is missing (Redis restarted or was flushed): rebuild it from Postgres, retry
    -2  the user's hourly limit is reached: retry after retryAfterSeconds
]]
local function lockForTheDay()
  redis.call('SET', KEYS[4], ARGV[6], 'EX', tonumber(ARGV[7]))
  redis.call('SET', KEYS[5], ARGV[8], 'EX', tonumber(ARGV[7]))
end

if redis.call('EXISTS', KEYS[2]) == 1 then
  return { 2, tonumber(redis.call('GET', KEYS[1]) or '0'), 0 }
end
local count = redis.call('GET', KEYS[1])
if not count then
  return { -1, 0, 0 }
end
count = tonumber(count)
local limit = tonumber(ARGV[1])
local recipients = tonumber(ARGV[3])
-- The lock also stands for the provider's own "daily quota exceeded", whatever our count says.
if ARGV[2] ~= 'high' and (count + recipients > limit or redis.call('GET', KEYS[4]) == ARGV[6]) then
  lockForTheDay()
  return { 0, count, 0 }
end
local userCount = tonumber(redis.call('GET', KEYS[3]) or '0')
if userCount >= tonumber(ARGV[5]) then
  local ttl = redis.call('TTL', KEYS[3])
  return { -2, count, ttl > 0 and ttl or 3600 }
end
if redis.call('INCR', KEYS[3]) == 1 then
  redis.call('EXPIRE', KEYS[3], 3600)
end
count = redis.call('INCRBY', KEYS[1], recipients)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[4]))
if count >= limit then
  lockForTheDay()
end
return { 1, count, 0 }
