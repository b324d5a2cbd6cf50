import { mockCredentials } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  catalogEntityDeletePermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  actionExecutePermission,
  taskReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  votingEnvironmentCreatePermission,
  votingEnvironmentDeletePermission,
  votingEnvironmentReadPermission,
  votingForeignTemplateActionsPermission,
} from '@voting-platform/plugin-voting-common';
import { authorizeEnvironment } from '@voting-platform/plugin-voting-node';
import { VotingPermissionPolicy } from './policy';
import { readVotingPermissionsConfig } from './config';
import { ConfigReader } from '@backstage/config';

const config = readVotingPermissionsConfig(
  new ConfigReader({
    votingPlatform: {
      permissions: {
        platformGroup: 'platform-team',
        platformUsers: ['development/guest'],
      },
    },
  }),
);
const policy = new VotingPermissionPolicy(config);

function user(name: string, groups: string[]): PolicyQueryUser {
  const userEntityRef = `user:default/${name}`;
  return {
    info: {
      userEntityRef,
      ownershipEntityRefs: [
        userEntityRef,
        ...groups.map(g => `group:default/${g}`),
      ],
    },
    credentials: mockCredentials.user(userEntityRef),
  } as PolicyQueryUser;
}

const alice = user('alice', ['team-a']);
const admin = user('root', ['platform-team']);

describe('VotingPermissionPolicy', () => {
  it('reads the config with defaults for the templates', () => {
    expect(config).toEqual({
      platformGroup: 'group:default/platform-team',
      platformUsers: ['user:development/guest'],
      createTemplates: ['template:default/voting-platform'],
      teardownTemplates: ['template:default/voting-platform-teardown'],
    });
  });

  it('allows the platform group and the configured platform users everything', async () => {
    const guest = {
      ...user('guest', []),
      info: {
        userEntityRef: 'user:development/guest',
        ownershipEntityRefs: ['user:development/guest'],
      },
    } as PolicyQueryUser;
    for (const who of [admin, guest]) {
      for (const permission of [
        votingEnvironmentCreatePermission,
        votingEnvironmentDeletePermission,
        votingForeignTemplateActionsPermission,
        taskReadPermission,
      ]) {
        expect(await policy.handle({ permission }, who)).toEqual({
          result: AuthorizeResult.ALLOW,
        });
      }
    }
  });

  it("lets a team create, tear down and read only its own groups' environments", async () => {
    for (const permission of [
      votingEnvironmentCreatePermission,
      votingEnvironmentDeletePermission,
      votingEnvironmentReadPermission,
    ]) {
      const decision = await policy.handle({ permission }, alice);
      expect(decision.result).toBe(AuthorizeResult.CONDITIONAL);
      expect(
        authorizeEnvironment(decision, {
          name: 'a1',
          owner: 'group:default/team-a',
        }),
      ).toBe(true);
      expect(
        authorizeEnvironment(decision, {
          name: 'b1',
          owner: 'group:default/team-b',
        }),
      ).toBe(false);
      // an environment whose owner is not known is the platform group's alone
      expect(authorizeEnvironment(decision, { name: 'x' })).toBe(false);
    }
  });

  it("refuses the product's actions from other templates to everyone outside the platform group", async () => {
    expect(
      await policy.handle(
        { permission: votingForeignTemplateActionsPermission },
        alice,
      ),
    ).toEqual({ result: AuthorizeResult.DENY });
  });

  it('shows a user only the scaffolder tasks the user created', async () => {
    const decision = await policy.handle(
      { permission: taskReadPermission },
      alice,
    );
    expect(decision).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      conditions: {
        rule: 'IS_TASK_OWNER',
        params: { createdBy: ['user:default/alice'] },
      },
    });
  });

  it("lets a user unregister only the catalog entities the user's groups own", async () => {
    const decision = await policy.handle(
      { permission: catalogEntityDeletePermission },
      alice,
    );
    expect(decision).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        rule: 'IS_ENTITY_OWNER',
        params: {
          claims: ['user:default/alice', 'group:default/team-a'],
        },
      },
    });
    expect(
      await policy.handle({ permission: catalogEntityDeletePermission }, admin),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    // a location may hold any team's entities: only the platform group unregisters one
    expect(
      await policy.handle(
        { permission: catalogLocationDeletePermission },
        alice,
      ),
    ).toEqual({ result: AuthorizeResult.DENY });
    expect(
      await policy.handle(
        { permission: catalogLocationDeletePermission },
        admin,
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });

  it('leaves everything else allowed, and calls without a user (services, scripts)', async () => {
    const other = createPermission({
      name: 'catalog.entity.read',
      attributes: {},
    });
    expect(await policy.handle({ permission: other }, alice)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
    expect(
      await policy.handle({ permission: actionExecutePermission }, alice),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await policy.handle({
        permission: votingForeignTemplateActionsPermission,
      }),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });
});
