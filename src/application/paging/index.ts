export * from './ports.js';
export * from './service.js';
export * from './duty-service.js';
export * from './replies.js';
export * from './wiring.js';
export * from './demo.js';
