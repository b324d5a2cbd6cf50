import { useApi } from '@backstage/core-plugin-api';
import type { ApiHolder } from '@backstage/core-plugin-api';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import TextField from '@material-ui/core/TextField';
import type { ReactNode } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { votingOptionsApiRef, type VotingOptionsApi } from '../optionsApi';

/** One entry of a picker. */
export type Choice = { value: string; label: string };

/** The other fields of the form, as the scaffolder hands them to a field (all pages so far). */
export function formValues(props: {
  formContext?: unknown;
}): Record<string, unknown> {
  return (
    (props.formContext as { formData?: Record<string, unknown> } | undefined)
      ?.formData ?? {}
  );
}

/** Loads a list of the options API (the client shares one answer between the fields). */
export function useProviderOptions<T>(
  load: (api: VotingOptionsApi) => Promise<T>,
) {
  const api = useApi(votingOptionsApiRef);
  return useAsync(() => load(api), [api]);
}

/**
 * The list a validator checks against; undefined when the provider cannot be reached, and then a
 * validator checks only the value's form (the field fell back to plain text).
 */
export async function offeredFor<T>(
  apiHolder: ApiHolder,
  load: (api: VotingOptionsApi) => Promise<T>,
): Promise<T | undefined> {
  const api = apiHolder.get(votingOptionsApiRef);
  if (!api) return undefined;
  try {
    return await load(api);
  } catch {
    return undefined;
  }
}

/** US dollars as DigitalOcean prints them: $24, $4.50. */
export function usd(amount: number): string {
  return `$${amount.toFixed(2).replace(/\.00$/, '')}`;
}

export interface ProviderSelectProps {
  field: FieldExtensionComponentProps<string, any>;
  /** Who is asked: DigitalOcean or Cloudflare. */
  provider: string;
  /** What is listed, for the messages: "regions", "node sizes". */
  what: string;
  loading: boolean;
  error?: Error;
  /** The choices; undefined while an earlier field is missing (`waitingFor` says which). */
  choices?: Choice[];
  waitingFor?: string;
  /** The label of the empty choice, when the field may stay empty. */
  emptyLabel?: string;
  /** Why the current value is not among the choices ("not offered in syd1"). */
  notOffered?: string;
  /** More to say under the field once loaded (a price). */
  note?: ReactNode;
  /** What the plain text field takes when the provider cannot be reached. */
  fallbackHint: string;
}

/**
 * A field of the create template fed by a provider: a native select (accessible, keyboard
 * friendly) of what the provider offers, and a plain text field with the reason when the
 * provider cannot be reached, so a form never blocks on a provider's outage.
 */
export function ProviderSelect(props: ProviderSelectProps) {
  const { field, provider, what, loading, error, choices } = props;
  const { formData, onChange, schema, rawErrors, required, idSchema } = field;
  const common = {
    id: idSchema?.$id,
    label: schema.title,
    required,
    fullWidth: true,
    margin: 'normal' as const,
    error: (rawErrors?.length ?? 0) > 0,
    InputLabelProps: { shrink: true },
  };
  const describe = (text: ReactNode) => (
    <>
      {schema.description ? <>{schema.description}. </> : null}
      {text}
    </>
  );

  if (error) {
    return (
      <TextField
        {...common}
        value={formData ?? ''}
        onChange={event => onChange(event.target.value || undefined)}
        helperText={describe(
          `The ${what} could not be loaded from ${provider} (${error.message}): ${props.fallbackHint}`,
        )}
        FormHelperTextProps={{ role: 'status' }}
        autoComplete="off"
        inputProps={{ spellCheck: false, 'data-fallback': 'true' }}
      />
    );
  }
  if (loading || !choices) {
    return (
      <TextField
        {...common}
        select
        disabled
        value=""
        SelectProps={{ native: true }}
        helperText={describe(
          loading
            ? `Loading the ${what} from ${provider}…`
            : `Choose ${props.waitingFor} first`,
        )}
      >
        <option value="" />
      </TextField>
    );
  }
  const current = formData ?? '';
  const listed =
    current && !choices.some(c => c.value === current)
      ? [
          ...choices,
          {
            value: current,
            label: `${current} (${props.notOffered ?? 'not offered'})`,
          },
        ]
      : choices;
  return (
    <TextField
      {...common}
      select
      value={current}
      onChange={event => onChange(event.target.value || undefined)}
      SelectProps={{ native: true }}
      helperText={describe(props.note ?? null)}
    >
      {!current || props.emptyLabel !== undefined ? (
        <option value="">{props.emptyLabel ?? ''}</option>
      ) : null}
      {listed.map(choice => (
        <option key={choice.value} value={choice.value}>
          {choice.label}
        </option>
      ))}
    </TextField>
  );
}
