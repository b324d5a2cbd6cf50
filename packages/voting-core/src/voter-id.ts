import { randomFillSync } from 'node:crypto';
import { VOTER_ID_PATTERN } from './poll.js';

const ID_BYTES = 16;
/** Random bytes are drawn 256 ids at a time: one system call instead of one per new voter. */
const pool = Buffer.alloc(ID_BYTES * 256);
let offset = pool.length;

export function newVoterId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

export function isVoterId(value: unknown): value is string {
  return typeof value === 'string' && VOTER_ID_PATTERN.test(value);
}
