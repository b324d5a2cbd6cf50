import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import type { JSX } from 'react';
import type { VotingResultsCardProps } from './components/VotingResultsCard';
import type { EnvironmentStatusCardProps } from './components/status/EnvironmentStatusCard';
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
export const VotingEnvironmentsPage: () => JSX.Element = votingPlugin.provide(
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
 * `ui:field: VotingConfirmName` for legacy apps (inside `<ScaffolderFieldExtensions>`): a text
 * field that must repeat another field of the form exactly.
 *
 * @public
 */
export const VotingConfirmNameFieldExtension = votingPlugin.provide(
  createScaffolderFieldExtension({
    name: 'VotingConfirmName',
    component: ConfirmName,
    validation: validateConfirmName,
  }),
);

/**
 * `ui:field: VotingRegion` for legacy apps: DigitalOcean's regions with Kubernetes.
 *
 * @public
 */
export const VotingRegionFieldExtension = votingPlugin.provide(
  createScaffolderFieldExtension({
    name: 'VotingRegion',
    component: RegionPicker,
    validation: validateRegion,
  }),
);

/**
 * `ui:field: VotingKubernetesVersion` for legacy apps: the versions DigitalOcean offers.
 *
 * @public
 */
export const VotingKubernetesVersionFieldExtension = votingPlugin.provide(
  createScaffolderFieldExtension({
    name: 'VotingKubernetesVersion',
    component: KubernetesVersionPicker,
    validation: validateKubernetesVersion,
  }),
);

/**
 * `ui:field: VotingNodeSize` for legacy apps: the region's node sizes with the monthly price.
 *
 * @public
 */
export const VotingNodeSizeFieldExtension = votingPlugin.provide(
  createScaffolderFieldExtension({
    name: 'VotingNodeSize',
    component: NodeSizePicker,
    validation: validateNodeSize,
  }),
);

/**
 * `ui:field: VotingDatabaseSize` for legacy apps: PostgreSQL sizes for the node count.
 *
 * @public
 */
export const VotingDatabaseSizeFieldExtension = votingPlugin.provide(
  createScaffolderFieldExtension({
    name: 'VotingDatabaseSize',
    component: DatabaseSizePicker,
    validation: validateDatabaseSize,
  }),
);

/**
 * `ui:field: VotingCloudflareZone` for legacy apps: the account's active zones, `{ id, name }`.
 *
 * @public
 */
export const VotingCloudflareZoneFieldExtension = votingPlugin.provide(
  createScaffolderFieldExtension({
    name: 'VotingCloudflareZone',
    component: CloudflareZonePicker,
    validation: validateCloudflareZone,
  }),
);
