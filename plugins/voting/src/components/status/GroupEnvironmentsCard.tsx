import { InfoCard } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { EnvironmentsOverview } from './EnvironmentsPage';

/**
 * The environments a Group owns, with their status at a glance: for Group entity pages.
 *
 * @public
 */
export function GroupEnvironmentsCard() {
  const { entity } = useEntity();
  return (
    <InfoCard title="Voting environments">
      <EnvironmentsOverview owner={stringifyEntityRef(entity)} />
    </InfoCard>
  );
}
