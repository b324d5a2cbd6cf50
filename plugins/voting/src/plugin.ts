import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import {
  createScaffolderFieldExtension,
  type CustomFieldValidator,
  type FieldExtensionComponent,
  type FieldExtensionOptions,
} from '@backstage/plugin-scaffolder-react';
import type { JSX } from 'react';
import type { VotingResultsCardProps } from './components/VotingResultsCard';
import type { EnvironmentStatusCardProps } from './components/status/EnvironmentStatusCard';
import type { VotingEnvironmentsPageProps } from './components/status/EnvironmentsPage';
import { votingOptionsApiRef, VotingOptionsClient } from './optionsApi';
import {
  CloudflareZonePicker,
  validateCloudflareZone,
} from './scaffolder/CloudflareZoneField';
import {
  ConfirmName,
  validateConfirmName,
} from './scaffolder/ConfirmNameField';
import {
  DatabaseSizePicker,
  validateDatabaseSize,
} from './scaffolder/DatabaseSizeField';
import {
  KubernetesVersionPicker,
  NodeSizePicker,
  RegionPicker,
  validateKubernetesVersion,
  validateNodeSize,
  validateRegion,
} from './scaffolder/KubernetesFields';
import { TeamOwner, validateTeamOwner } from './scaffolder/TeamOwnerField';
import { votingStatusApiRef, VotingStatusClient } from './statusApi';

/**
 * The route of the "Voting environments" page in legacy apps.
 *
 * @public
 */
export const votingEnvironmentsRouteRef = createRouteRef({
  id: 'voting-environments',
});

/**
 * The voting plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const votingPlugin = createPlugin({
  id: 'voting',
  apis: [
    createApiFactory({
      api: votingStatusApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new VotingStatusClient(deps),
    }),
    createApiFactory({
      api: votingOptionsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new VotingOptionsClient(deps),
    }),
  ],
  routes: { environments: votingEnvironmentsRouteRef },
});

/**
 * Entity card with the live tallies of the entity's result service. Put it on the overview of
 * entities that have the `voting-platform.io/result-url` annotation.
 *
 * @public
 */
export const EntityVotingResultsCard: (
  props: VotingResultsCardProps,
) => JSX.Element = votingPlugin.provide(
  createComponentExtension({
    name: 'EntityVotingResultsCard',
    component: {
      lazy: () =>
        import('./components/VotingResultsCard').then(m => m.VotingResultsCard),
    },
  }),
);

/**
 * "Environment status" card for entities with the `voting-platform.io/environment` annotation
 * (see `isVotingEnvironment`).
 *
 * @public
 */
export const EntityEnvironmentStatusCard: (
  props: EnvironmentStatusCardProps,
) => JSX.Element = votingPlugin.provide(
  createComponentExtension({
    name: 'EntityEnvironmentStatusCard',
    component: {
      lazy: () =>
        import('./components/status/EnvironmentStatusCard').then(
          m => m.EnvironmentStatusCard,
        ),
    },
  }),
);

/**
 * The environment's status in detail, for an entity tab.
 *
 * @public
 */
export const EntityEnvironmentStatusContent: () => JSX.Element =
  votingPlugin.provide(
    createComponentExtension({
      name: 'EntityEnvironmentStatusContent',
      component: {
        lazy: () =>
          import('./components/status/EnvironmentStatusCard').then(
            m => m.EnvironmentStatusContent,
          ),
      },
    }),
  );

/**
 * The environments of a Group, for Group entity pages.
 *
 * @public
 */
export const EntityGroupEnvironmentsCard: () => JSX.Element =
  votingPlugin.provide(
    createComponentExtension({
      name: 'EntityGroupEnvironmentsCard',
      component: {
        lazy: () =>
          import('./components/status/GroupEnvironmentsCard').then(
            m => m.GroupEnvironmentsCard,
          ),
      },
    }),
  );

/**
 * The "Voting environments" page: every environment by owning team, with its status.
 *
 * @public
 */
export const VotingEnvironmentsPage: (
  props: VotingEnvironmentsPageProps,
) => JSX.Element = votingPlugin.provide(
  createRoutableExtension({
    name: 'VotingEnvironmentsPage',
    component: () =>
      import('./components/status/EnvironmentsPage').then(
        m => m.EnvironmentsPage,
      ),
    mountPoint: votingEnvironmentsRouteRef,
  }),
);

/**
 * The scaffolder form fields for legacy apps, by their `ui:field` name: each becomes a field
 * extension to put inside `<ScaffolderFieldExtensions>`.
 */
const LEGACY_FIELDS = {
  VotingConfirmName: {
    component: ConfirmName,
    validation: validateConfirmName,
  },
  VotingRegion: { component: RegionPicker, validation: validateRegion },
  VotingKubernetesVersion: {
    component: KubernetesVersionPicker,
    validation: validateKubernetesVersion,
  },
  VotingNodeSize: { component: NodeSizePicker, validation: validateNodeSize },
  VotingDatabaseSize: {
    component: DatabaseSizePicker,
    validation: validateDatabaseSize,
  },
  VotingCloudflareZone: {
    component: CloudflareZonePicker,
    validation: validateCloudflareZone,
  },
  VotingTeamOwner: { component: TeamOwner, validation: validateTeamOwner },
};

/** The extension of each legacy field, typed by what its validator checks. */
type LegacyFieldExtensions = {
  [Name in keyof typeof LEGACY_FIELDS]: (typeof LEGACY_FIELDS)[Name] extends {
    validation: CustomFieldValidator<infer TValue, infer TOptions>;
  }
    ? FieldExtensionComponent<TValue, TOptions>
    : never;
};

const legacyFieldExtensions = Object.fromEntries(
  Object.entries(LEGACY_FIELDS).map(([name, field]) => [
    name,
    votingPlugin.provide(
      createScaffolderFieldExtension({
        name,
        ...(field as Omit<FieldExtensionOptions, 'name'>),
      }),
    ),
  ]),
) as LegacyFieldExtensions;

/**
 * `ui:field: VotingConfirmName` for legacy apps (inside `<ScaffolderFieldExtensions>`): a text
 * field that must repeat another field of the form exactly.
 *
 * @public
 */
export const VotingConfirmNameFieldExtension =
  legacyFieldExtensions.VotingConfirmName;

/**
 * `ui:field: VotingRegion` for legacy apps: DigitalOcean's regions with Kubernetes.
 *
 * @public
 */
export const VotingRegionFieldExtension = legacyFieldExtensions.VotingRegion;

/**
 * `ui:field: VotingKubernetesVersion` for legacy apps: the versions DigitalOcean offers.
 *
 * @public
 */
export const VotingKubernetesVersionFieldExtension =
  legacyFieldExtensions.VotingKubernetesVersion;

/**
 * `ui:field: VotingNodeSize` for legacy apps: the region's node sizes with the monthly price.
 *
 * @public
 */
export const VotingNodeSizeFieldExtension =
  legacyFieldExtensions.VotingNodeSize;

/**
 * `ui:field: VotingDatabaseSize` for legacy apps: PostgreSQL sizes for the node count.
 *
 * @public
 */
export const VotingDatabaseSizeFieldExtension =
  legacyFieldExtensions.VotingDatabaseSize;

/**
 * `ui:field: VotingCloudflareZone` for legacy apps: the account's active zones, `{ id, name }`.
 *
 * @public
 */
export const VotingCloudflareZoneFieldExtension =
  legacyFieldExtensions.VotingCloudflareZone;

/**
 * `ui:field: VotingTeamOwner` for legacy apps: the owning team among the catalog's groups,
 * starting on the signed-in user's team.
 *
 * @public
 */
export const VotingTeamOwnerFieldExtension =
  legacyFieldExtensions.VotingTeamOwner;
