import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';

/** `votingPlatform.permissions`, read once. */
export interface VotingPermissionsConfig {
  platformGroup: string;
  platformUsers: string[];
  createTemplates: string[];
  teardownTemplates: string[];
}

const normalize = (ref: string, defaultKind: string) =>
  stringifyEntityRef(parseEntityRef(ref, { defaultKind }));

export function readVotingPermissionsConfig(
  config: Config,
): VotingPermissionsConfig {
  const c = config.getConfig('votingPlatform.permissions');
  return {
    platformGroup: normalize(c.getString('platformGroup'), 'group'),
    platformUsers: (c.getOptionalStringArray('platformUsers') ?? []).map(r =>
      normalize(r, 'user'),
    ),
    createTemplates: (
      c.getOptionalStringArray('createTemplates') ?? ['voting-platform']
    ).map(r => normalize(r, 'template')),
    teardownTemplates: (
      c.getOptionalStringArray('teardownTemplates') ?? [
        'voting-platform-teardown',
      ]
    ).map(r => normalize(r, 'template')),
  };
}
