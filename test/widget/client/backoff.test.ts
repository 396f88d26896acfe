import t from 'tap';
import { backoffDelay } from '../../../widget/client/backoff.js';

t.test('the delay doubles per attempt up to the cap, jittered within the upper half of each step', async (t) => {
  const options = { baseMs: 1_000, maxMs: 30_000 };
  const steps = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
  steps.forEach((step, attempt) => {
    t.equal(
      backoffDelay(attempt, options, () => 0),
      step / 2,
      `attempt ${attempt}: at least half the step`,
    );
    t.equal(
      backoffDelay(attempt, options, () => 1),
      step,
      `attempt ${attempt}: at most the step`,
    );
  });
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, options)));
  t.ok(delays.size > 10, 'random jitter spreads clients apart');
  t.ok([...delays].every((delay) => delay >= 4_000 && delay <= 8_000));
});
