/**
 * The backend the status tests run against: the voting plugin alone in `startTestBackend`, its
 * providers the sandbox's DigitalOcean and Cloudflare emulators, an empty catalog, the test's own
 * `voting` config, and a permission policy the test decides.
 */
import type { Server } from 'node:http';
import type {
  BackendFeature,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { Sandbox } from '@voting-platform/cloud-sandbox';
import { votingEnvironmentReadPermission } from '@voting-platform/plugin-voting-common';
import { environmentSpecFixture } from '@voting-platform/plugin-voting-common/testUtils';
import { votingEnvironmentConditions } from '@voting-platform/plugin-voting-node';
import { votingPlugin } from '../../plugin';

/**
 * The product's policy's answer for a member of the fixture's owner team: the environments of
 * that team only (a conditional decision, which the route applies to each recorded owner).
 */
export const ownerTeamDecision = () =>
  votingEnvironmentConditions.createConditionalDecision(
    votingEnvironmentReadPermission,
    votingEnvironmentConditions.conditions.isEnvironmentOwner({
      claims: [environmentSpecFixture().owner],
    }),
  );

export interface StatusTestBackend {
  server: Server;
  stop(): Promise<void>;
}

export async function startStatusTestBackend(options: {
  sandbox: Sandbox;
  /** The `voting` config (result hosts allowed, `status` intervals). */
  voting: JsonObject;
  /** The permission policy's answers. */
  authorizeConditional: PermissionsService['authorizeConditional'];
  /** More features, e.g. a signals service that records what is published. */
  features?: BackendFeature[];
}): Promise<StatusTestBackend> {
  const { digitalocean, cloudflare } = options.sandbox;
  const backend = await startTestBackend({
    features: [
      votingPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.rootConfig.factory({
        data: {
          digitalocean: { token: digitalocean.token, apiUrl: digitalocean.url },
          cloudflare: { apiToken: cloudflare.token, apiUrl: cloudflare.url },
          voting: options.voting,
        },
      }),
      mockServices.permissions.mock({
        authorizeConditional: options.authorizeConditional,
      }).factory,
      ...(options.features ?? []),
    ],
  });
  return { server: backend.server, stop: () => backend.stop() };
}
