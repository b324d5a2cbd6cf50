import { InfoCard } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { EntityListProvider, useEntity } from '@backstage/plugin-catalog-react';
import { EnvironmentList } from './EnvironmentList';

/**
 * The environments a Group owns, with their status at a glance: for Group entity pages.
 *
 * @public
 */
export function GroupEnvironmentsCard() {
  const { entity } = useEntity();
  return (
    <InfoCard title="Voting environments">
      <EntityListProvider>
        <EnvironmentList owner={stringifyEntityRef(entity)} />
      </EntityListProvider>
    </InfoCard>
  );
}
