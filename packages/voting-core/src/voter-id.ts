import { randomBytes } from 'node:crypto';
import { VOTER_ID_PATTERN } from './poll.js';

export function newVoterId(): string {
  return randomBytes(16).toString('hex');
}

export function isVoterId(value: unknown): value is string {
  return typeof value === 'string' && VOTER_ID_PATTERN.test(value);
}
