import { RELATION_OWNED_BY, type Entity } from '@backstage/catalog-model';
import type {
  DefaultEntityFilters,
  EntityFilter,
} from '@backstage/plugin-catalog-react';
import {
  ENVIRONMENT_ANNOTATION,
  type EnvironmentStatus,
  type StatusState,
} from '@voting-platform/plugin-voting-common';
import { overallState } from './states';

/** The environment a catalog entity stands for (its annotation), if any. */
export function environmentOf(entity: Entity): string | undefined {
  return entity.metadata.annotations?.[ENVIRONMENT_ANNOTATION];
}

/** The owning team's reference, as the catalog resolved it. */
export function ownerOf(entity: Entity): string {
  const owner = entity.relations?.find(r => r.type === RELATION_OWNED_BY);
  return owner?.targetRef ?? String(entity.spec?.owner ?? 'unknown');
}

/**
 * What the one batch status call says about listed environments, by environment name: the
 * region and status filters read it, so they can only run in the browser.
 */
export class EnvironmentStatusIndex {
  readonly #byName: Map<string, EnvironmentStatus>;

  constructor(items: EnvironmentStatus[]) {
    this.#byName = new Map(items.map(s => [s.name, s]));
  }

  status(entity: Entity): EnvironmentStatus | undefined {
    const name = environmentOf(entity);
    return name === undefined ? undefined : this.#byName.get(name);
  }

  /** The cluster's region, unknown while the cluster section cannot be checked. */
  region(entity: Entity): string | undefined {
    return this.status(entity)?.cluster.detail?.region;
  }

  /** The state of the whole environment, that of its worst section. */
  state(entity: Entity): StatusState | undefined {
    const status = this.status(entity);
    return status && overallState(status);
  }

  regions(): string[] {
    return [
      ...new Set(
        [...this.#byName.values()].flatMap(s =>
          s.cluster.detail ? [s.cluster.detail.region] : [],
        ),
      ),
    ].sort();
  }
}

/** Keeps the environments in one of the chosen regions (`filters[region]` in the address). */
export class EnvironmentRegionFilter implements EntityFilter {
  constructor(
    readonly values: string[],
    private readonly index: EnvironmentStatusIndex,
  ) {}

  filterEntity(entity: Entity): boolean {
    const region = this.index.region(entity);
    return region !== undefined && this.values.includes(region);
  }

  toQueryValue(): string[] {
    return this.values;
  }
}

/** Keeps the environments in one of the chosen states (`filters[status]` in the address). */
export class EnvironmentStatusFilter implements EntityFilter {
  constructor(
    readonly values: StatusState[],
    private readonly index: EnvironmentStatusIndex,
  ) {}

  filterEntity(entity: Entity): boolean {
    const state = this.index.state(entity);
    return state !== undefined && this.values.includes(state);
  }

  toQueryValue(): string[] {
    return this.values;
  }
}

/** The entity list's filters on these pages: catalog-react's, and region and status. */
export type EnvironmentFilters = DefaultEntityFilters & {
  region?: EnvironmentRegionFilter;
  status?: EnvironmentStatusFilter;
};
