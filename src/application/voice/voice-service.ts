/** Split into call-gateway.ts and operator-queue.ts; this file only keeps an older import working and goes next. */
export type { OperatorCallEvent, OperatorCallState } from './operator-queue.js';
