import {
  makeValidator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import type {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import { useEffect } from 'react';
import useAsync from 'react-use/esm/useAsync';

interface Team {
  ref: string;
  title: string;
}

/** The catalog's groups, and the first of them the signed-in user belongs to. */
function useTeams(): {
  teams: Team[];
  usersTeam?: string;
  loading: boolean;
  error?: Error;
} {
  const identityApi = useApi(identityApiRef);
  const catalogApi = useApi(catalogApiRef);
  const { value, loading, error } = useAsync(async () => {
    const [identity, { items }] = await Promise.all([
      identityApi.getBackstageIdentity(),
      catalogApi.getEntities({
        filter: { kind: 'Group' },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.title',
        ],
      }),
    ]);
    const teams = items
      .map(group => ({
        ref: stringifyEntityRef(group),
        title: group.metadata.title ?? group.metadata.name,
      }))
      .sort((a, b) => a.title.localeCompare(b.title));
    const usersTeam = teams.find(team =>
      identity.ownershipEntityRefs.includes(team.ref),
    )?.ref;
    return { teams, usersTeam };
  }, [identityApi, catalogApi]);
  return {
    teams: value?.teams ?? [],
    usersTeam: value?.usersTeam,
    loading,
    error,
  };
}

/** The field's component (exported for its test). */
export function TeamOwner(props: FieldExtensionComponentProps<string>) {
  const { formData, onChange, schema, rawErrors, required, idSchema } = props;
  const { teams, usersTeam, loading, error } = useTeams();
  // an empty field takes the user's team once it is known; a choice made is kept
  useEffect(() => {
    if (!formData && usersTeam) onChange(usersTeam);
  }, [formData, usersTeam, onChange]);
  if (error) {
    // the catalog cannot be read: the team is typed, and the validator checks its form
    return (
      <TextField
        id={idSchema?.$id}
        label={schema.title}
        helperText={`The teams could not be read (${error.message}): type the owning group's reference, e.g. group:default/team-a`}
        required={required}
        value={formData ?? ''}
        onChange={event => onChange(event.target.value)}
        error
        fullWidth
        margin="normal"
      />
    );
  }
  return (
    <TextField
      id={idSchema?.$id}
      select
      label={schema.title}
      helperText={schema.description}
      required={required}
      disabled={loading}
      value={formData ?? ''}
      onChange={event => onChange(event.target.value)}
      error={(rawErrors?.length ?? 0) > 0}
      fullWidth
      margin="normal"
    >
      {teams.map(team => (
        <MenuItem key={team.ref} value={team.ref}>
          {team.title}
        </MenuItem>
      ))}
    </TextField>
  );
}

const entityNames = makeValidator();

/** The owner must be a group's entity reference, `group:<namespace>/<name>`. */
export const validateTeamOwner: CustomFieldValidator<string> = (
  value,
  validation,
) => {
  if (!value) return;
  try {
    const { kind, namespace, name } = parseEntityRef(value);
    if (
      kind.toLocaleLowerCase('en-US') === 'group' &&
      entityNames.isValidNamespace(namespace) &&
      entityNames.isValidEntityName(name)
    )
      return;
  } catch {
    // not a reference at all: said below
  }
  validation.addError(
    `"${value}" is not a group's reference: write group:<namespace>/<name>, e.g. group:default/team-a`,
  );
};

/**
 * `ui:field: VotingTeamOwner`: picks the owning team among the catalog's groups, and starts on
 * the signed-in user's team (OwnerPicker has no default of that kind).
 *
 * @alpha
 */
export const teamOwnerField = createFormField({
  name: 'VotingTeamOwner',
  component: TeamOwner,
  validation: validateTeamOwner,
});
