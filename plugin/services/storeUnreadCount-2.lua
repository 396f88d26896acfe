--[[
  storeUnreadCount — caches a user's unread count read from Postgres, unless a write to the user's
  notifications may have committed since the reader began. The reader stamped the generation key
  with a token of its own before it counted; every write that can change the count deletes that key
  (and the count) after its commit, so the token still being there proves the count is current.

  Input:
    KEYS[1]  the cached count, <prefix>:unread:<userId>:count
    KEYS[2]  the generation, <prefix>:unread:<userId>:generation (the reader's token, or another one, or none)
    ARGV[1]  the reader's token (random, never reused)
    ARGV[2]  the count Postgres answered
    ARGV[3]  the count's time to live, in milliseconds

  Output:
     1  stored (the generation key is dropped: the count holds the state now)
     0  not stored: a write, another reader or the key's expiry replaced the token
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
return 1
