-- Adds what one instance admitted for one key since its last batch to the key's count in the
-- shared window, and reads the cluster's total back. The window opens with the key's first count
-- and lasts its TTL, as @fastify/rate-limit's own Redis store counts.
--
-- Input:
--   KEYS[1]  the key's count in the current window (created here, expiring with the window)
--   ARGV[1]  the window's length, in milliseconds
--   ARGV[2]  what this instance admitted since its last batch (0: only read)
--
-- Output: { count, ttl }
--   count  every instance's admissions in the window, this batch included
--   ttl    milliseconds left in the window
--
-- Safe to run twice only in the sense that it counts twice: the caller sends each batch once and
-- never retries it (a lost batch costs the cluster total a few requests, never a refusal).
redis.call('SET', KEYS[1], 0, 'PX', ARGV[1], 'NX')
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
return { count, redis.call('PTTL', KEYS[1]) }
