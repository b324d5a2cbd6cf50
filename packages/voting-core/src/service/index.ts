export * from './config.js';
export * from './logger.js';
export * from './ops.js';
export * from './security.js';
