import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useRef } from 'react';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  Box,
  List,
  ListItem,
  ListItemText,
  lighten,
  makeStyles,
  Typography,
} from '@material-ui/core';
import {
  ENVIRONMENT_ANNOTATION,
  STATUS_SECTIONS,
  type EnvironmentStatus,
  type StatusSectionName,
  type VotesStatusDetail,
} from '@voting-platform/plugin-voting-common';
import { votingStatusApiRef } from '../../statusApi';
import { SandboxNote } from '../SandboxNote';
import { useEnvironmentWatch } from '../useEnvironmentWatch';
import { usePolling } from '../usePolling';
import { SectionDetail } from './SectionDetail';
import { explanation, SECTION_TITLES, StateIndicator, summary } from './states';

const CONSOLE_LINKS: Array<{
  key: keyof EnvironmentStatus['links'];
  label: string;
}> = [
  { key: 'cluster', label: 'Cluster in DigitalOcean' },
  { key: 'database', label: 'Database in DigitalOcean' },
  { key: 'dns', label: 'DNS in Cloudflare' },
  { key: 'grafana', label: 'Grafana' },
];

const useStyles = makeStyles(theme => ({
  // small text needs a contrast of 4.5 (WCAG AA): on a light card the palette's main error red
  // is too light, and on a dark one (grey 424242) even its light red is too dark
  explanation: {
    color:
      theme.palette.type === 'dark'
        ? lighten(theme.palette.error.main, 0.6)
        : theme.palette.error.dark,
  },
}));

/**
 * The sections of one environment's status, each with its indicator, summary and time; `detailed`
 * (the entity tab) adds what each saw as tables.
 */
export function EnvironmentStatusView(props: {
  status: EnvironmentStatus;
  sections?: readonly StatusSectionName[];
  detailed?: boolean;
}) {
  const { status } = props;
  const classes = useStyles();
  return (
    <>
      <List dense>
        {(props.sections ?? STATUS_SECTIONS).map(section => {
          const value = status[section];
          const why = explanation(value);
          return (
            <ListItem key={section} data-testid={`section-${section}`}>
              <Box width="100%">
                <ListItemText
                  primary={
                    <>
                      <StateIndicator state={value.state} />{' '}
                      <strong>{SECTION_TITLES[section]}</strong>
                    </>
                  }
                  secondary={
                    <>
                      {value.detail ? summary(section, value) : null}
                      {section === 'votes' &&
                      (value.detail as VotesStatusDetail | null)?.servedBy ? (
                        <SandboxNote />
                      ) : null}
                      {why ? (
                        <Typography
                          component="span"
                          display="block"
                          variant="body2"
                          className={classes.explanation}
                        >
                          {why}
                        </Typography>
                      ) : null}
                      <Typography
                        component="span"
                        display="block"
                        variant="caption"
                      >
                        checked {new Date(value.checkedAt).toLocaleString()}
                      </Typography>
                    </>
                  }
                />
                {props.detailed ? (
                  <SectionDetail section={section} value={value} />
                ) : null}
              </Box>
            </ListItem>
          );
        })}
      </List>
      <Box display="flex" flexWrap="wrap" style={{ gap: 16 }} px={2}>
        {CONSOLE_LINKS.map(({ key, label }) =>
          status.links[key] ? (
            <Link key={key} to={status.links[key]!}>
              {label}
            </Link>
          ) : null,
        )}
      </Box>
    </>
  );
}

/**
 * The status of the environment named by the entity's `voting-platform.io/environment`
 * annotation, fetched again on each signal about the shown sections, and every
 * `fallbackIntervalMs` in case the signals connection dropped.
 */
function useEnvironmentStatus(
  sections: readonly StatusSectionName[],
  fallbackIntervalMs: number,
) {
  const { entity } = useEntity();
  const api = useApi(votingStatusApiRef);
  const name = entity.metadata.annotations?.[ENVIRONMENT_ANNOTATION];
  const { pushes, takeChanged } = useEnvironmentWatch(name, sections);
  const shown = useRef<EnvironmentStatus>();
  const state = usePolling(
    async () => {
      if (!name) return undefined;
      const changed = takeChanged();
      const previous = shown.current;
      // after a signal, only what it names (every viewer asks at once), merged into what is
      // shown; the links follow the DNS zone, so a DNS change, like the fallback poll, asks for
      // everything
      shown.current =
        previous?.name === name &&
        changed.length > 0 &&
        !changed.includes('dns')
          ? { ...previous, ...(await api.getSections(name, changed)) }
          : await api.getStatus(name);
      return shown.current;
    },
    [api, name, pushes],
    name ? fallbackIntervalMs : 0,
  );
  return { name, ...state };
}

/**
 * Props of the "Environment status" card (`EntityEnvironmentStatusCard`).
 *
 * @public
 */
export interface EnvironmentStatusCardProps {
  /** `content`: the entity tab, with every detail; `card` (default): the overview card. */
  variant?: 'card' | 'content';
  /**
   * How often to ask again without a signal, in milliseconds (default 60 s; 0: never): changes
   * are pushed, this only covers a dropped signals connection. The backend answers from its
   * cache within its interval, so viewers cost the providers nothing more.
   */
  refreshIntervalMs?: number;
}

/**
 * "Environment status": cluster, database, DNS and TLS, workloads and votes of the entity's
 * environment, each with its state, what was seen and when, and links to the consoles.
 *
 * @public
 */
export function EnvironmentStatusCard(props: EnvironmentStatusCardProps) {
  const sections =
    props.variant === 'content'
      ? STATUS_SECTIONS
      : STATUS_SECTIONS.filter(s => s !== 'votes');
  const { name, error, value } = useEnvironmentStatus(
    sections,
    props.refreshIntervalMs ?? 60_000,
  );
  let body;
  if (!name) {
    body = (
      <Typography>
        This entity names no environment ({ENVIRONMENT_ANNOTATION} annotation).
      </Typography>
    );
  } else if (error && !value) {
    body = <ResponseErrorPanel error={error} />;
  } else if (!value) {
    body = <Progress />;
  } else {
    body = (
      <EnvironmentStatusView
        status={value}
        sections={sections}
        detailed={props.variant === 'content'}
      />
    );
  }
  return (
    <InfoCard
      title="Environment status"
      subheader={name}
      variant={props.variant === 'content' ? undefined : 'gridItem'}
    >
      {body}
    </InfoCard>
  );
}

/** The entity content tab: the card with every section. */
export function EnvironmentStatusContent() {
  return <EnvironmentStatusCard variant="content" />;
}
