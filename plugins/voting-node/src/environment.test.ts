import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  votingEnvironmentDeletePermission,
  votingEnvironmentReadPermission,
} from '@voting-platform/plugin-voting-common';
import {
  authorizeEnvironment,
  isEnvironmentOwner,
  votingEnvironmentConditions,
} from './environment';

const claims = ['user:default/alice', 'group:default/team-a'];
const ownedBy = (owner?: string) => ({ name: 'e1', owner });

describe('voting environment permissions', () => {
  it('IS_ENVIRONMENT_OWNER matches an owner among the claims, in any letter case', () => {
    expect(
      isEnvironmentOwner.apply(ownedBy('group:default/team-a'), { claims }),
    ).toBe(true);
    expect(
      isEnvironmentOwner.apply(ownedBy('Group:default/Team-A'), { claims }),
    ).toBe(true);
    expect(
      isEnvironmentOwner.apply(ownedBy('group:default/team-b'), { claims }),
    ).toBe(false);
    expect(isEnvironmentOwner.apply(ownedBy(undefined), { claims })).toBe(
      false,
    );
  });

  it('applies allow, deny and conditional decisions to one environment', () => {
    const conditional = votingEnvironmentConditions.createConditionalDecision(
      votingEnvironmentDeletePermission,
      votingEnvironmentConditions.conditions.isEnvironmentOwner({ claims }),
    );
    expect(conditional).toMatchObject({
      pluginId: 'voting',
      resourceType: 'voting-environment',
    });
    expect(
      authorizeEnvironment(conditional, ownedBy('group:default/team-a')),
    ).toBe(true);
    expect(
      authorizeEnvironment(conditional, ownedBy('group:default/team-b')),
    ).toBe(false);
    expect(
      authorizeEnvironment({ result: AuthorizeResult.ALLOW }, ownedBy()),
    ).toBe(true);
    expect(
      authorizeEnvironment(
        { result: AuthorizeResult.DENY },
        ownedBy('group:default/team-a'),
      ),
    ).toBe(false);
    // the read permission carries the same resource type, so the same conditions serve it
    expect(votingEnvironmentReadPermission.resourceType).toBe(
      conditional.resourceType,
    );
  });
});
