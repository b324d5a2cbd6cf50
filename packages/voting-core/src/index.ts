export * from './poll.js';
export * from './tally.js';
export * from './voter-id.js';
export * from './html.js';
