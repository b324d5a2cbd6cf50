export * from './controlPlane.js';
export { freePort } from './ports.js';
