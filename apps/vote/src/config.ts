import { z } from 'zod';
import {
  booleanFlag,
  httpEnv,
  parseEnv,
  pollEnv,
  pollFromEnv,
  queueEnv,
  queueSettings,
  serviceSettings,
  type ServiceSettings,
} from '@voting-platform/core/service';
import type { Poll } from '@voting-platform/core';
import type { QueueSettings } from '@voting-platform/core/queue';

const schema = z.object({
  ...httpEnv(8080),
  ...pollEnv,
  ...queueEnv,
  VOTE_COOKIE_SECRET: z
    .string({
      message:
        'is required: a random secret of at least 32 characters that signs voter cookies',
    })
    .min(32, 'must be at least 32 characters'),
  TRUST_PROXY: booleanFlag(false),
  RESULT_URL: z.preprocess(
    v => (v === '' ? undefined : v),
    z.url({ message: 'must be a URL' }).optional(),
  ),
});

export interface VoteConfig extends ServiceSettings {
  poll: Poll;
  queue: QueueSettings;
  cookieSecret: string;
  /** Behind a TLS-terminating proxy: trust X-Forwarded-* so cookies get Secure on HTTPS. */
  trustProxy: boolean;
  /** Where the page links to the live results, if anywhere. */
  resultUrl?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): VoteConfig {
  const e = parseEnv(schema, env);
  return {
    ...serviceSettings(e),
    poll: pollFromEnv(e),
    queue: queueSettings(e),
    cookieSecret: e.VOTE_COOKIE_SECRET,
    trustProxy: e.TRUST_PROXY,
    resultUrl: e.RESULT_URL,
  };
}
