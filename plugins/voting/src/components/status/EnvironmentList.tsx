import {
  Progress,
  ResponseErrorPanel,
  Table,
  type TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  CatalogAutocomplete,
  EntityKindFilter,
  EntityNamespaceFilter,
  EntityOwnerFilter,
  EntityOwnerPicker,
  EntityRefLink,
  useEntityList,
} from '@backstage/plugin-catalog-react';
import { Box, Typography } from '@material-ui/core';
import {
  ENVIRONMENT_NAMESPACE,
  STATUS_SECTIONS,
  type EnvironmentStatus,
  type StatusState,
} from '@voting-platform/plugin-voting-common';
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { votingStatusApiRef } from '../../statusApi';
import { usePolling } from '../usePolling';
import {
  EnvironmentFactFilter,
  EnvironmentStatusIndex,
  environmentOf,
  ownerOf,
  type EnvironmentFact,
  type EnvironmentFilters,
} from './environmentFilters';
import {
  SECTION_TITLES,
  SEVERITY,
  STATE_LABELS,
  StateIndicator,
} from './states';

type Statuses = {
  loading: boolean;
  error?: Error;
  index: EnvironmentStatusIndex;
  denied: string[];
};

const StatusesContext = createContext<Statuses | undefined>(undefined);

function useStatuses(): Statuses {
  const statuses = useContext(StatusesContext);
  if (!statuses) throw new Error('used outside <EnvironmentList>');
  return statuses;
}

/** How often the list's statuses are asked again by default: a minute. */
const STATUS_REFRESH_MS = 60_000;

/**
 * The status of every environment the catalog lists (before the browser-side filters), from
 * one batch call; asked again when that list changes, and every `refreshIntervalMs`.
 */
function StatusesOfListed(props: {
  children: ReactNode;
  refreshIntervalMs: number;
}) {
  const api = useApi(votingStatusApiRef);
  const { backendEntities } = useEntityList<EnvironmentFilters>();
  const names = useMemo(
    () =>
      [
        ...new Set(
          backendEntities.flatMap(e => {
            const name = environmentOf(e);
            return name ? [name] : [];
          }),
        ),
      ].sort(),
    [backendEntities],
  );
  const key = names.join(',');
  const { loading, error, value } = usePolling(
    async () => (names.length ? api.getStatuses(names) : undefined),
    // the names' content, not the array's identity: a new array of the same names asks nothing
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, key],
    props.refreshIntervalMs,
  );
  const statuses = useMemo(
    () => ({
      // a refresh keeps the list shown: only the first answer is waited for
      loading: loading && !value,
      error,
      index: new EnvironmentStatusIndex(value?.items ?? []),
      denied: value?.denied ?? [],
    }),
    [loading, error, value],
  );
  return (
    <StatusesContext.Provider value={statuses}>
      {props.children}
    </StatusesContext.Provider>
  );
}

/**
 * Limits the list to the environments' Components (and to one owner's, on a Group's page): the
 * catalog does this part of the filtering.
 */
function EnvironmentScope(props: { owner?: string }) {
  const { updateFilters } = useEntityList<EnvironmentFilters>();
  useEffect(() => {
    updateFilters({
      kind: new EntityKindFilter('component', 'Component'),
      namespace: new EntityNamespaceFilter([ENVIRONMENT_NAMESPACE]),
      ...(props.owner ? { owners: new EntityOwnerFilter([props.owner]) } : {}),
    });
  }, [updateFilters, props.owner]);
  return null;
}

/** A catalog-react picker of values that the status call answers (region, status). */
function FactPicker<T extends string>(props: {
  label: string;
  fact: EnvironmentFact;
  options: T[];
  optionLabel?: (option: T) => string;
}) {
  const { updateFilters, queryParameters } =
    useEntityList<EnvironmentFilters>();
  const { index } = useStatuses();
  const { fact } = props;
  const [selected, setSelected] = useState<T[]>(
    () => [queryParameters[fact]].flat().filter(Boolean) as T[],
  );
  useEffect(() => {
    // made again when the statuses change: the filter reads them
    updateFilters({
      [fact]: selected.length
        ? new EnvironmentFactFilter(fact, selected, index)
        : undefined,
    });
  }, [selected, index, fact, updateFilters]);
  return (
    <CatalogAutocomplete<T, true>
      name={`${fact}-picker`}
      label={props.label}
      multiple
      options={props.options}
      value={selected}
      getOptionLabel={props.optionLabel ?? (o => o)}
      onChange={(_, values) => setSelected(values)}
    />
  );
}

const stateLabel = (state: StatusState) => STATE_LABELS[state];

/** The region and status pickers, and the owner picker unless the owner is fixed. */
function EnvironmentPickers(props: { withOwner: boolean }) {
  const { index } = useStatuses();
  const { backendEntities } = useEntityList<EnvironmentFilters>();
  return (
    <Box
      display="flex"
      flexWrap="wrap"
      style={{ gap: 16 }}
      mb={2}
      role="search"
      aria-label="Filter environments"
    >
      {props.withOwner ? (
        <Box minWidth={240}>
          <EntityOwnerPicker />
        </Box>
      ) : null}
      <Box minWidth={200}>
        <FactPicker
          label="Region"
          fact="region"
          options={index.regions(backendEntities)}
        />
      </Box>
      <Box minWidth={200}>
        <FactPicker
          label="Status"
          fact="status"
          options={SEVERITY}
          optionLabel={stateLabel}
        />
      </Box>
    </Box>
  );
}

type Row = {
  id: string;
  entity: Entity;
  name: string;
  owner: string;
  region: string | null;
  state: StatusState | null;
  status?: EnvironmentStatus;
  /** Why there is no status: the policy denies it, or the call failed. */
  unknown?: string;
};

/** Worst first when sorted ascending; unknown states last. */
const severityOf = (row: Row) =>
  row.state ? SEVERITY.indexOf(row.state) : SEVERITY.length;

const columns: TableColumn<Row>[] = [
  {
    title: 'Environment',
    field: 'name',
    highlight: true,
    defaultSort: 'asc',
    render: row => (
      <EntityRefLink entityRef={row.entity}>{row.name}</EntityRefLink>
    ),
  },
  {
    title: 'Region',
    field: 'region',
    render: row => row.region ?? 'unknown',
  },
  {
    title: 'Status',
    field: 'state',
    customSort: (a, b) => severityOf(a) - severityOf(b),
    render: row =>
      row.state ? <StateIndicator state={row.state} /> : row.unknown,
  },
  ...STATUS_SECTIONS.map(
    (section): TableColumn<Row> => ({
      title: SECTION_TITLES[section],
      sorting: false,
      render: row =>
        row.status ? <StateIndicator state={row.status[section].state} /> : '',
    }),
  ),
];

function EnvironmentTables() {
  const { entities, loading, error, filters } =
    useEntityList<EnvironmentFilters>();
  const statuses = useStatuses();
  // until the scope is set, the list holds nothing worth showing
  if (loading || !filters.kind || statuses.loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const rows: Row[] = entities.map(entity => {
    const name = environmentOf(entity) ?? entity.metadata.name;
    const status = statuses.index.status(entity);
    let unknown: string | undefined;
    if (!status) {
      unknown = statuses.denied.includes(name)
        ? 'not yours to read'
        : 'unknown';
    }
    return {
      id: entity.metadata.uid ?? name,
      entity,
      name,
      owner: ownerOf(entity),
      region: statuses.index.region(entity) ?? null,
      state: statuses.index.state(entity) ?? null,
      status,
      unknown,
    };
  });
  const owners = [...new Set(rows.map(r => r.owner))].sort();
  return (
    <>
      {statuses.error ? <ResponseErrorPanel error={statuses.error} /> : null}
      {owners.length === 0 ? (
        <Typography>No environment matches.</Typography>
      ) : null}
      {owners.map(owner => (
        <Box key={owner} mb={3}>
          <Table<Row>
            title={<EntityRefLink entityRef={owner} />}
            // not draggable: the drag handles are focusable inside the sort buttons (nested
            // interactive controls, which screen readers cannot reach)
            options={{
              paging: false,
              search: false,
              padding: 'dense',
              draggable: false,
            }}
            columns={columns}
            data={rows.filter(r => r.owner === owner)}
          />
        </Box>
      ))}
    </>
  );
}

/**
 * The environments in the catalog, by owning team, with their status at a glance and pickers
 * for owner, region and status. Needs an `EntityListProvider` around it; `owner` fixes the
 * owner (a Group's page) and leaves out its picker. The statuses are asked again every
 * `statusRefreshMs` (default a minute).
 */
export function EnvironmentList(props: {
  owner?: string;
  statusRefreshMs?: number;
}) {
  return (
    <>
      <EnvironmentScope owner={props.owner} />
      <StatusesOfListed
        refreshIntervalMs={props.statusRefreshMs ?? STATUS_REFRESH_MS}
      >
        <EnvironmentPickers withOwner={!props.owner} />
        <EnvironmentTables />
      </StatusesOfListed>
    </>
  );
}
