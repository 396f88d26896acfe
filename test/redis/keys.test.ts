import t from 'tap';
import { RedisKeys } from '../../plugin/redis/keys.js';

const single = { isCluster: false };
const cluster = { isCluster: true };

t.test('on a single Redis the key names are as they always were', async (t) => {
  const keys = new RedisKeys('tresta', single);
  t.equal(keys.inGroup('email:quota', ':2030-01-01'), 'tresta:email:quota:2030-01-01');
  t.equal(keys.besideGroup('email:quota', 'ratelimit:email:ada'), 'tresta:ratelimit:email:ada');
  t.equal(keys.queuePrefix('notifications'), 'tresta');
});

t.test('on a cluster each group and each queue gets a hash tag of its own', async (t) => {
  const keys = new RedisKeys('tresta', cluster);
  t.equal(keys.inGroup('email:quota', ':2030-01-01'), 'tresta:{email:quota}:2030-01-01');
  t.equal(keys.besideGroup('email:quota', 'ratelimit:email:ada'), 'tresta:{email:quota}:ratelimit:email:ada');
  t.equal(keys.queuePrefix('notifications'), 'tresta:{notifications}');
});

t.test('a prefix with a hash tag of its own keeps every key in its slot, named as before', async (t) => {
  const keys = new RedisKeys('{tresta}', cluster);
  t.equal(keys.inGroup('email:quota', ':2030-01-01'), '{tresta}:email:quota:2030-01-01');
  t.equal(keys.queuePrefix('notifications'), '{tresta}');
});
