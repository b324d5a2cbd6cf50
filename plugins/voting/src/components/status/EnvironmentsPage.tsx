import { Content, Header, Page } from '@backstage/core-components';
import { EntityListProvider } from '@backstage/plugin-catalog-react';
import { EnvironmentList } from './EnvironmentList';

/**
 * Props of `VotingEnvironmentsPage`.
 *
 * @public
 */
export interface VotingEnvironmentsPageProps {
  /** How often the environments' statuses are asked again, in milliseconds (default a minute). */
  statusRefreshMs?: number;
}

/**
 * Every environment in the catalog by owning team, filterable by owner, region and status: the
 * body of the "Voting environments" page (the new frontend system's page supplies the header).
 */
export function EnvironmentsOverview(props: VotingEnvironmentsPageProps) {
  return (
    <EntityListProvider>
      <EnvironmentList statusRefreshMs={props.statusRefreshMs} />
    </EntityListProvider>
  );
}

/** The "Voting environments" page of the app's navigation (legacy apps). */
export function EnvironmentsPage(props: VotingEnvironmentsPageProps) {
  return (
    <Page themeId="tool">
      <Header
        title="Voting environments"
        subtitle="Every environment by owning team, with its live status"
      />
      <Content>
        <EnvironmentsOverview statusRefreshMs={props.statusRefreshMs} />
      </Content>
    </Page>
  );
}
