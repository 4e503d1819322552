/**
 * Issue 18, item 11: no ticket forgotten — the lifecycle property on SQLite (test/application/lifecycle-model.ts
 * has the model, the actions and the invariants). `SUBAN_PROPERTY_SEED` replays another seed.
 */
import t from 'tap';
import { runLifecycleProperty } from './lifecycle-model.js';

t.test('sqlite: every open ticket has an owner, a deadline and a timer, and 督办 reaches a person', async (t) => {
  await runLifecycleProperty(t, "sqlite", 30);
});
