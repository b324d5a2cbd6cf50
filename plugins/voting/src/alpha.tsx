import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import {
  ApiBlueprint,
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import DashboardIcon from '@material-ui/icons/Dashboard';
import {
  isGroup,
  isVotingEnvironment,
  isVotingResultsAvailable,
} from './filter';
import { votingOptionsApiRef, VotingOptionsClient } from './optionsApi';
import { votingStatusApiRef, VotingStatusClient } from './statusApi';

/**
 * The client of the voting backend's status routes.
 *
 * @alpha
 */
export const votingStatusApi = ApiBlueprint.make({
  name: 'status',
  params: defineParams =>
    defineParams({
      api: votingStatusApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new VotingStatusClient(deps),
    }),
});

/**
 * The client of the voting backend's `/options` routes (what the providers offer).
 *
 * @alpha
 */
export const votingOptionsApi = ApiBlueprint.make({
  name: 'options',
  params: defineParams =>
    defineParams({
      api: votingOptionsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new VotingOptionsClient(deps),
    }),
});

/**
 * "Environment status" on the overview of an environment's entity.
 *
 * @alpha
 */
export const environmentStatusEntityCard = EntityCardBlueprint.make({
  name: 'environment-status',
  params: {
    type: 'content',
    filter: isVotingEnvironment,
    loader: () =>
      import('./components/status/EnvironmentStatusCard').then(m => (
        <m.EnvironmentStatusCard />
      )),
  },
});

/**
 * The "Status" tab of an environment's entity: every section in detail.
 *
 * @alpha
 */
export const environmentStatusEntityContent = EntityContentBlueprint.make({
  name: 'environment-status',
  params: {
    path: '/status',
    title: 'Status',
    filter: isVotingEnvironment,
    loader: () =>
      import('./components/status/EnvironmentStatusCard').then(m => (
        <m.EnvironmentStatusContent />
      )),
  },
});

/**
 * The team's environments, on Group entity pages.
 *
 * @alpha
 */
export const groupEnvironmentsEntityCard = EntityCardBlueprint.make({
  name: 'group-environments',
  params: {
    type: 'content',
    filter: isGroup,
    loader: () =>
      import('./components/status/GroupEnvironmentsCard').then(m => (
        <m.GroupEnvironmentsCard />
      )),
  },
});

/**
 * "Voting environments" in the app's navigation: every environment by owning team.
 *
 * @alpha
 */
export const votingEnvironmentsPage = PageBlueprint.make({
  params: {
    path: '/voting-environments',
    title: 'Voting environments',
    icon: <DashboardIcon />,
    loader: () =>
      import('./components/status/EnvironmentsPage').then(m => (
        <m.EnvironmentsOverview />
      )),
  },
});

/**
 * Entity card with the live tallies, shown on entities with the
 * `voting-platform.io/result-url` annotation.
 *
 * @alpha
 */
export const votingResultsEntityCard = EntityCardBlueprint.make({
  name: 'results',
  params: {
    type: 'content',
    filter: isVotingResultsAvailable,
    loader: () =>
      import('./components/VotingResultsCard').then(m => (
        <m.VotingResultsCard />
      )),
  },
});

/**
 * The scaffolder form field `VotingConfirmName`: the teardown template's confirmation, which must
 * repeat the environment's name.
 *
 * @alpha
 */
export const votingConfirmNameFormField = FormFieldBlueprint.make({
  name: 'confirm-name',
  params: {
    field: () =>
      import('./scaffolder/ConfirmNameField').then(m => m.confirmNameField),
  },
});

/**
 * The scaffolder form field `VotingRegion`: DigitalOcean's regions with Kubernetes.
 *
 * @alpha
 */
export const votingRegionFormField = FormFieldBlueprint.make({
  name: 'region',
  params: {
    field: () =>
      import('./scaffolder/KubernetesFields').then(m => m.regionField),
  },
});

/**
 * The scaffolder form field `VotingKubernetesVersion`: the versions DigitalOcean offers.
 *
 * @alpha
 */
export const votingKubernetesVersionFormField = FormFieldBlueprint.make({
  name: 'kubernetes-version',
  params: {
    field: () =>
      import('./scaffolder/KubernetesFields').then(
        m => m.kubernetesVersionField,
      ),
  },
});

/**
 * The scaffolder form field `VotingNodeSize`: node sizes of the region, with the monthly price.
 *
 * @alpha
 */
export const votingNodeSizeFormField = FormFieldBlueprint.make({
  name: 'node-size',
  params: {
    field: () =>
      import('./scaffolder/KubernetesFields').then(m => m.nodeSizeField),
  },
});

/**
 * The scaffolder form field `VotingDatabaseSize`: PostgreSQL sizes for the node count.
 *
 * @alpha
 */
export const votingDatabaseSizeFormField = FormFieldBlueprint.make({
  name: 'database-size',
  params: {
    field: () =>
      import('./scaffolder/DatabaseSizeField').then(m => m.databaseSizeField),
  },
});

/**
 * The scaffolder form field `VotingCloudflareZone`: the account's active zones.
 *
 * @alpha
 */
export const votingCloudflareZoneFormField = FormFieldBlueprint.make({
  name: 'cloudflare-zone',
  params: {
    field: () =>
      import('./scaffolder/CloudflareZoneField').then(
        m => m.cloudflareZoneField,
      ),
  },
});

/**
 * The scaffolder form field `VotingTeamOwner`: the create template's owner, starting on the
 * signed-in user's team.
 *
 * @alpha
 */
export const votingTeamOwnerFormField = FormFieldBlueprint.make({
  name: 'team-owner',
  params: {
    field: () =>
      import('./scaffolder/TeamOwnerField').then(m => m.teamOwnerField),
  },
});

/**
 * The voting plugin for the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'voting',
  info: { packageJson: () => import('../package.json') },
  extensions: [
    votingStatusApi,
    votingOptionsApi,
    votingResultsEntityCard,
    environmentStatusEntityCard,
    environmentStatusEntityContent,
    groupEnvironmentsEntityCard,
    votingEnvironmentsPage,
    votingConfirmNameFormField,
    votingRegionFormField,
    votingKubernetesVersionFormField,
    votingNodeSizeFormField,
    votingDatabaseSizeFormField,
    votingCloudflareZoneFormField,
    votingTeamOwnerFormField,
  ],
});
