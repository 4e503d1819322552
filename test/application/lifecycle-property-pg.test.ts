/**
 * Issue 18, item 11: the lifecycle property of lifecycle-property.test.ts on PostgreSQL (fewer and
 * shorter sequences: every step is a round trip to the server).
 */
import t from 'tap';
import { runLifecycleProperty } from './lifecycle-model.js';

t.test(
  'postgres: every open ticket has an owner, a deadline and a timer, and 督办 reaches a person',
  { skip: process.env.SUBAN_TEST_PG_URL ? false : 'SUBAN_TEST_PG_URL is not set: the PostgreSQL variant needs a server (CI sets it)' },
  async (t) => {
    await runLifecycleProperty(t, 'pg', Number(process.env.SUBAN_PROPERTY_PG_RUNS ?? 6), 30);
  },
);
