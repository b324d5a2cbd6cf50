import type { Zod } from '@voting-platform/plugin-scaffolder-actions-node';

/** The `region` input of every action that creates something in a DigitalOcean region. */
export const regionField = (z: Zod) =>
  z
    .string()
    .regex(/^[a-z]+[0-9]$/, 'a region slug such as nyc1')
    .describe('Region slug, e.g. nyc1');
