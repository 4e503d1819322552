export * from './roster.js';
export * from './rotation.js';
export * from './on-duty.js';
export * from './escalation.js';
export * from './sms-ack.js';
export * from './ical.js';
export * from './roster-io.js';
