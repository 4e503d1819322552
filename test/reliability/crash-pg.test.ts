/** Crash safety on PostgreSQL (a schema of its own): see crash-scenario.ts. */
import t from 'tap';
import { PG_SKIP } from './harness.js';
import { crashScenario } from './crash-scenario.js';

t.test('SIGKILL mid-flight and restart, on PostgreSQL', { skip: PG_SKIP, timeout: 240_000 }, (t) => crashScenario(t, 'pg'));
