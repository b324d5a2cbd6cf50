import {
  Content,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  type TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  Box,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  Typography,
} from '@material-ui/core';
import {
  environmentComponentRef,
  STATUS_SECTIONS,
  type EnvironmentStatus,
  type StatusState,
} from '@voting-platform/plugin-voting-common';
import { useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { votingStatusApiRef } from '../../statusApi';
import {
  overallState,
  SECTION_TITLES,
  STATE_LABELS,
  StateIndicator,
} from './states';

type Row = EnvironmentStatus & {
  id: string;
  state: StatusState;
  /** From the cluster section; null while that cannot be checked. */
  region: string | null;
};

const columns: TableColumn<Row>[] = [
  {
    title: 'Environment',
    field: 'name',
    highlight: true,
    render: row => (
      <EntityRefLink entityRef={environmentComponentRef(row.name)}>
        {row.name}
      </EntityRefLink>
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
    render: row => <StateIndicator state={row.state} />,
  },
  ...STATUS_SECTIONS.map(
    (section): TableColumn<Row> => ({
      title: SECTION_TITLES[section],
      sorting: false,
      render: row => <StateIndicator state={row[section].state} />,
    }),
  ),
];

function Filter(props: {
  label: string;
  value: string;
  options: Array<{ value: string; label: string }>;
  onChange(value: string): void;
}) {
  const id = `voting-filter-${props.label.toLowerCase()}`;
  return (
    <FormControl style={{ minWidth: 200 }}>
      <InputLabel id={id}>{props.label}</InputLabel>
      <Select
        labelId={id}
        // named by its label and its value: the name holds the visible text (WCAG 2.5.3)
        SelectDisplayProps={{ id: `${id}-value` }}
        value={props.value}
        displayEmpty
        onChange={e => props.onChange(String(e.target.value))}
      >
        <MenuItem value="">All</MenuItem>
        {props.options.map(o => (
          <MenuItem key={o.value} value={o.value}>
            {o.label}
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}

/** Every environment the user may read, by owning team, from one batch call; filterable. */
export function EnvironmentsOverview(props: { owner?: string }) {
  const api = useApi(votingStatusApiRef);
  const { loading, error, value } = useAsync(() => api.getStatuses(), [api]);
  const [owner, setOwner] = useState('');
  const [region, setRegion] = useState('');
  const [state, setState] = useState('');
  const rows = useMemo(
    () =>
      (value?.items ?? []).map(s => ({
        ...s,
        id: s.name,
        state: overallState(s),
        region: s.cluster.detail?.region ?? null,
      })),
    [value],
  );
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const owners = [...new Set(rows.map(r => r.owner))].sort();
  const regions = [
    ...new Set(rows.flatMap(r => (r.region ? [r.region] : []))),
  ].sort();
  const shown = rows.filter(
    r =>
      (!(props.owner ?? owner) || r.owner === (props.owner ?? owner)) &&
      (!region || r.region === region) &&
      (!state || r.state === state),
  );
  const groups = [...new Set(shown.map(r => r.owner))].sort();
  return (
    <>
      <Box
        display="flex"
        style={{ gap: 16 }}
        mb={2}
        role="search"
        aria-label="Filter environments"
      >
        {props.owner ? null : (
          <Filter
            label="Owner"
            value={owner}
            options={owners.map(o => ({ value: o, label: o }))}
            onChange={setOwner}
          />
        )}
        <Filter
          label="Region"
          value={region}
          options={regions.map(r => ({ value: r, label: r }))}
          onChange={setRegion}
        />
        <Filter
          label="Status"
          value={state}
          options={(Object.keys(STATE_LABELS) as StatusState[]).map(s => ({
            value: s,
            label: STATE_LABELS[s],
          }))}
          onChange={setState}
        />
      </Box>
      {groups.length === 0 ? (
        <Typography>No environment matches.</Typography>
      ) : null}
      {groups.map(group => (
        <Box key={group} mb={3}>
          <Table<Row>
            title={<EntityRefLink entityRef={group} />}
            // not draggable: the drag handles are focusable inside the sort buttons (nested
            // interactive controls, which screen readers cannot reach)
            options={{
              paging: false,
              search: false,
              padding: 'dense',
              draggable: false,
            }}
            columns={columns}
            data={shown.filter(r => r.owner === group)}
          />
        </Box>
      ))}
      {value?.denied.length ? (
        <Typography variant="body2">
          {value.denied.length} more environment
          {value.denied.length === 1 ? '' : 's'} you may not read.
        </Typography>
      ) : null}
    </>
  );
}

/** The "Voting environments" page of the app's navigation. */
export function EnvironmentsPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Voting environments"
        subtitle="Every environment by owning team, with its live status"
      />
      <Content>
        <EnvironmentsOverview />
      </Content>
    </Page>
  );
}
