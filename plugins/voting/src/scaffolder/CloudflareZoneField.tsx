import type {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import {
  formValues,
  offeredFor,
  ProviderSelect,
  useProviderOptions,
} from './ProviderSelect';

/**
 * The zone as the field stores it: Cloudflare's id and the zone's name (only the name when it
 * was typed because Cloudflare could not be reached).
 *
 * @public
 */
export type ZoneValue = { id?: string; name?: string };

/**
 * Which field holds the domain that must lie in the zone (default `domain`).
 *
 * @public
 */
export type CloudflareZoneFieldOptions = { domainField?: string };

type Props = FieldExtensionComponentProps<
  ZoneValue,
  CloudflareZoneFieldOptions
>;

const HOSTNAME = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/;

const domainOf = (
  formData: Record<string, unknown> | undefined,
  options: CloudflareZoneFieldOptions | undefined,
) => {
  const domain = formData?.[options?.domainField ?? 'domain'];
  return typeof domain === 'string' && domain !== '' ? domain : undefined;
};

function CloudflareZonePicker(props: Props) {
  const {
    value: zones,
    loading,
    error,
  } = useProviderOptions(api => api.getZones());
  const domain = domainOf(formValues(props), props.uiSchema['ui:options']);
  // the select shows the zone by id; the text field of the fallback takes its name
  const asText: FieldExtensionComponentProps<string, any> = {
    ...(props as any),
    formData: error ? props.formData?.name : props.formData?.id,
    onChange: (text: string | undefined) => {
      if (!text) props.onChange(undefined);
      else if (error) props.onChange({ name: text.trim().toLowerCase() });
      else {
        const zone = zones?.find(z => z.id === text);
        props.onChange(zone ? { id: zone.id, name: zone.name } : { id: text });
      }
    },
  };
  return (
    <ProviderSelect
      field={asText}
      provider="Cloudflare"
      what="zones"
      loading={loading}
      error={error}
      choices={zones?.map(zone => ({ value: zone.id, label: zone.name }))}
      emptyLabel={
        domain ? `The zone named ${domain}` : 'The zone named like the domain'
      }
      notOffered="not an active zone of the account"
      fallbackHint="type the zone's name, e.g. example.com"
    />
  );
}

/** The zone must be an active zone of the account, and hold the domain of the form. */
export const validateCloudflareZone: CustomFieldValidator<
  ZoneValue,
  CloudflareZoneFieldOptions
> = async (value, validation, context) => {
  if (!value?.id && !value?.name) return;
  const zones = await offeredFor(context.apiHolder, api => api.getZones());
  const name = zones
    ? zones.find(z => z.id === value.id && z.name === value.name)?.name
    : value.name;
  if (!name) {
    validation.addError(
      `${
        value.name ?? value.id
      } is not an active Cloudflare zone of the account`,
    );
    return;
  }
  if (!HOSTNAME.test(name)) {
    validation.addError(`"${name}" is not a zone name, e.g. example.com`);
    return;
  }
  const domain = domainOf(context.formData, context.uiSchema?.['ui:options']);
  if (domain && domain !== name && !domain.endsWith(`.${name}`)) {
    validation.addError(`${domain} is not in the zone ${name}`);
  }
};

/**
 * `ui:field: VotingCloudflareZone`: the account's active Cloudflare zones; stores `{ id, name }`.
 * The domain (`ui:options.domainField`, default `domain`) must lie in the chosen zone.
 *
 * @alpha
 */
export const cloudflareZoneField = createFormField({
  name: 'VotingCloudflareZone',
  component: CloudflareZonePicker,
  validation: validateCloudflareZone,
});

export { CloudflareZonePicker };
