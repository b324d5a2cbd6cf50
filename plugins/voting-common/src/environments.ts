import { z } from 'zod';

/**
 * An environment's name as the create template asks for it: it names the cluster, the database
 * and the VPC, and the catalog entities made from the record.
 *
 * @public
 */
export const ENVIRONMENT_NAME_PATTERN = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/;

/**
 * The topic on which the voting backend announces a registered or unregistered environment
 * (`@backstage/plugin-events-node`), so the catalog need not wait for its next full refresh.
 *
 * @public
 */
export const ENVIRONMENTS_EVENT_TOPIC = 'voting.environments';

/**
 * The catalog namespace of the entities made from environment records: environment names are
 * chosen freely (`vote`, `result`...), and this keeps them clear of the platform's own entities.
 *
 * @public
 */
export const ENVIRONMENT_NAMESPACE = 'voting-environments';

/**
 * The reference of the Component that stands for an environment's voting app: its entity page
 * is where the create template's output links.
 *
 * @public
 */
export function environmentComponentRef(name: string): string {
  return `component:${ENVIRONMENT_NAMESPACE}/${name}`;
}

const publicUrl = z
  .string()
  .url()
  .refine(value => /^https?:$/.test(new URL(value).protocol), {
    message: 'must be an http(s) URL',
  })
  .refine(
    value => {
      const url = new URL(value);
      return !url.username && !url.password;
    },
    // the record ends up in catalog entities, which everyone may read
    { message: 'must not carry credentials' },
  );

const providerId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, 'must be a provider id (letters, digits, dashes)');

/**
 * What the register route accepts for an environment (its name comes from the path). Nothing
 * secret: ids, names and addresses only.
 *
 * @public
 */
export const environmentSpecSchema = z
  .object({
    owner: z.string().min(1).max(255),
    clusterId: providerId,
    databaseId: providerId,
    vpcId: providerId,
    domain: z
      .string()
      .regex(
        /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/,
        'must be a DNS name',
      ),
    voteUrl: publicUrl,
    resultUrl: publicUrl,
    grafanaUrl: publicUrl.nullable().default(null),
    // null for environments recorded before the region was
    region: z
      .string()
      .regex(/^[a-z]{3}[0-9]$/, 'must be a DigitalOcean region slug (nyc1)')
      .nullable()
      .default(null),
  })
  .strict();

/**
 * The input of a register call (`PUT /api/voting/environments/:name`).
 *
 * @public
 */
export type EnvironmentSpec = z.input<typeof environmentSpecSchema>;

/**
 * An environment as the voting backend records it. `owner` is a full group reference
 * (`group:default/team-a`); times are ISO 8601.
 *
 * @public
 */
export type VotingEnvironment = {
  name: string;
  owner: string;
  clusterId: string;
  databaseId: string;
  vpcId: string;
  domain: string;
  voteUrl: string;
  resultUrl: string;
  grafanaUrl: string | null;
  /** The DigitalOcean region of the cluster; null when it was not recorded. */
  region: string | null;
  createdAt: string;
  updatedAt: string;
};

/**
 * What a register or unregister did: the `outcome` of the scaffolder actions.
 *
 * @public
 */
export type EnvironmentOutcome =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'deleted'
  | 'absent';

/**
 * The payload of an event on {@link ENVIRONMENTS_EVENT_TOPIC}.
 *
 * @public
 */
export type EnvironmentEvent =
  | { type: 'registered'; environment: VotingEnvironment }
  | { type: 'unregistered'; name: string };
