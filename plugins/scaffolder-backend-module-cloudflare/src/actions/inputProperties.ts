import type { Zod } from '@voting-platform/plugin-scaffolder-actions-node';

/** Input fields more than one Cloudflare action takes, declared once. */

/** A zone (apex domain) of the account: `example.com`. */
export const zone = (z: Zod) =>
  z
    .string()
    .regex(
      /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/,
      'a zone name such as example.com',
    );

/** A record name, relative to the zone (`vote`), fully qualified (`vote.example.com`) or `@` for the apex. */
export const recordName = (z: Zod) =>
  z
    .string()
    .regex(
      /^(@|\*|[a-z0-9_*]([-a-z0-9_.]*[a-z0-9])?)$/i,
      'a host name, @ for the apex',
    );

/** Host names a certificate covers: `vote.example.com`, or a wildcard such as `*.example.com`. */
export const hostnames = (z: Zod) =>
  z
    .array(
      z
        .string()
        .regex(
          /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/,
          'a host name, or a wildcard such as *.example.com',
        ),
    )
    .min(1)
    .max(100);
