import { RELATION_OWNED_BY, type Entity } from '@backstage/catalog-model';
import type {
  DefaultEntityFilters,
  EntityFilter,
} from '@backstage/plugin-catalog-react';
import {
  ENVIRONMENT_ANNOTATION,
  REGION_LABEL,
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

  /**
   * The region the entity's label records; for an environment recorded without one, the region
   * its cluster reports (unknown while the cluster cannot be checked).
   */
  region(entity: Entity): string | undefined {
    return (
      entity.metadata.labels?.[REGION_LABEL] ??
      this.status(entity)?.cluster.detail?.region
    );
  }

  /** The state of the whole environment, that of its worst section. */
  state(entity: Entity): StatusState | undefined {
    const status = this.status(entity);
    return status && overallState(status);
  }

  /** The regions of these entities, for a picker. */
  regions(entities: Entity[]): string[] {
    return [...new Set(entities.flatMap(e => this.region(e) ?? []))].sort();
  }
}

/** What an environment filter compares: its region, or the state of its status. */
export type EnvironmentFact = 'region' | 'status';

/**
 * Keeps the environments whose region (or status) is one of the chosen values
 * (`filters[region]`, `filters[status]` in the address). It reads the batch status call's
 * answer, so it runs in the browser, not in the catalog.
 */
export class EnvironmentFactFilter implements EntityFilter {
  constructor(
    readonly fact: EnvironmentFact,
    readonly values: string[],
    private readonly index: EnvironmentStatusIndex,
  ) {}

  filterEntity(entity: Entity): boolean {
    const value =
      this.fact === 'region'
        ? this.index.region(entity)
        : this.index.state(entity);
    return value !== undefined && this.values.includes(value);
  }

  toQueryValue(): string[] {
    return this.values;
  }
}

/** The entity list's filters on these pages: catalog-react's, and region and status. */
export type EnvironmentFilters = DefaultEntityFilters & {
  [Fact in EnvironmentFact]?: EnvironmentFactFilter;
};
