import type {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import type { DatabaseOptions } from '@voting-platform/plugin-voting-common';
import {
  formValues,
  offeredFor,
  ProviderSelect,
  useProviderOptions,
} from './ProviderSelect';

/**
 * Which other fields the size follows (defaults: `region`, `databaseNodes`).
 *
 * @public
 */
export type DatabaseSizeFieldOptions = {
  regionField?: string;
  nodesField?: string;
};

type Props = FieldExtensionComponentProps<string, DatabaseSizeFieldOptions>;

const DATABASE_SIZE = /^db-[a-z0-9]+(-[a-z0-9]+)*$/;

function followed(
  formData: Record<string, unknown> | undefined,
  options: DatabaseSizeFieldOptions | undefined,
) {
  const region = formData?.[options?.regionField ?? 'region'];
  const nodes = Number(formData?.[options?.nodesField ?? 'databaseNodes'] ?? 1);
  return {
    region: typeof region === 'string' && region !== '' ? region : undefined,
    nodes: Number.isInteger(nodes) && nodes > 0 ? nodes : 1,
  };
}

/** What is wrong with a size for that region and node count, if anything. */
function problem(
  offered: DatabaseOptions,
  size: string,
  region: string | undefined,
  nodes: number,
): string | undefined {
  if (region && !offered.regions.includes(region)) {
    return `DigitalOcean offers no managed PostgreSQL in ${region}`;
  }
  const sizes = offered.layouts.find(l => l.nodes === nodes)?.sizes;
  if (!sizes)
    return `DigitalOcean offers no PostgreSQL cluster of ${nodes} nodes`;
  if (!sizes.includes(size)) {
    return `${size} is not offered for ${nodes} node${
      nodes === 1 ? '' : 's'
    }: choose another size`;
  }
  return undefined;
}

function DatabaseSizePicker(props: Props) {
  const { value, loading, error } = useProviderOptions(api =>
    api.getDatabaseOptions(),
  );
  const { region, nodes } = followed(
    formValues(props),
    props.uiSchema['ui:options'],
  );
  const sizes =
    value && (!region || value.regions.includes(region))
      ? value.layouts.find(l => l.nodes === nodes)?.sizes ?? []
      : undefined;
  return (
    <ProviderSelect
      field={props}
      provider="DigitalOcean"
      what="database sizes"
      loading={loading}
      error={error}
      choices={sizes?.map(size => ({ value: size, label: size }))}
      waitingFor="a region with managed PostgreSQL"
      notOffered={`not offered for ${nodes} node${nodes === 1 ? '' : 's'}`}
      note={`Sizes offered for ${nodes} node${nodes === 1 ? '' : 's'}${
        region ? ` in ${region}` : ''
      }`}
      fallbackHint="type a database size slug, e.g. db-s-1vcpu-2gb"
    />
  );
}

/** The size must be offered for the node count (and region) chosen in the form. */
export const validateDatabaseSize: CustomFieldValidator<
  string,
  DatabaseSizeFieldOptions
> = async (value, validation, context) => {
  if (!value) return;
  const offered = await offeredFor(context.apiHolder, api =>
    api.getDatabaseOptions(),
  );
  if (!offered) {
    if (!DATABASE_SIZE.test(value)) {
      validation.addError(
        `"${value}" is not a database size slug, e.g. db-s-1vcpu-2gb`,
      );
    }
    return;
  }
  const { region, nodes } = followed(
    context.formData,
    context.uiSchema?.['ui:options'],
  );
  const wrong = problem(offered, value, region, nodes);
  if (wrong) validation.addError(wrong);
};

/**
 * `ui:field: VotingDatabaseSize`: the managed PostgreSQL sizes DigitalOcean offers for the node
 * count (`ui:options.nodesField`, default `databaseNodes`) in the region chosen earlier
 * (`ui:options.regionField`, default `region`).
 *
 * @alpha
 */
export const databaseSizeField = createFormField({
  name: 'VotingDatabaseSize',
  component: DatabaseSizePicker,
  validation: validateDatabaseSize,
});

export { DatabaseSizePicker };
