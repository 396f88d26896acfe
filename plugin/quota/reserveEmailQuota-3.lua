--[[
  reserveEmailQuota — counts one email against the day's budget and its user's hourly limit,
  atomically, at most once per email.

  Input:
    KEYS[1]  the day's counter, <prefix>:email:quota:<YYYY-MM-DD> (emails counted per recipient)
    KEYS[2]  this email's reservation, <prefix>:email:quota:<YYYY-MM-DD>:email:<emailKey>
    KEYS[3]  the user's hourly counter, <prefix>:ratelimit:email:<userId>
    ARGV[1]  the daily limit (normal priority only; high priority is counted but never refused)
    ARGV[2]  'high' | 'normal'
    ARGV[3]  recipients of this email (Resend counts each)
    ARGV[4]  seconds until the next UTC midnight (the day keys' TTL)
    ARGV[5]  the per-user hourly limit

  Output: { code, dailyCount, retryAfterSeconds }
     1  reserved now
     2  already reserved by an earlier attempt of the same email: nothing counted again
     0  the daily budget is spent (normal priority): defer the email
    -1  the day's counter is missing (Redis restarted or was flushed): rebuild it from Postgres, retry
    -2  the user's hourly limit is reached: retry after retryAfterSeconds
]]
if redis.call('EXISTS', KEYS[2]) == 1 then
  return { 2, tonumber(redis.call('GET', KEYS[1]) or '0'), 0 }
end
local count = redis.call('GET', KEYS[1])
if not count then
  return { -1, 0, 0 }
end
count = tonumber(count)
local recipients = tonumber(ARGV[3])
if ARGV[2] ~= 'high' and count + recipients > tonumber(ARGV[1]) then
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
return { 1, count, 0 }
