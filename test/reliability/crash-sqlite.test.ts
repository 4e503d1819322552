/** Crash safety on embedded SQLite (a temp file): see crash-scenario.ts. */
import t from 'tap';
import { crashScenario } from './crash-scenario.js';

t.test('SIGKILL mid-flight and restart, on SQLite', { timeout: 240_000 }, (t) => crashScenario(t, 'sqlite'));
