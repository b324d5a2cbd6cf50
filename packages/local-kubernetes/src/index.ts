export * from './controlPlane.js';
