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
  usd,
} from './ProviderSelect';

/**
 * Which other fields of the form a field follows (defaults: `region`, `nodeCount`).
 *
 * @public
 */
export type KubernetesFieldOptions = {
  regionField?: string;
  countField?: string;
};

type Props = FieldExtensionComponentProps<string, KubernetesFieldOptions>;
type Validator = CustomFieldValidator<string, KubernetesFieldOptions>;

const REGION_SLUG = /^[a-z]{3}[0-9]$/;
const VERSION = /^[0-9]+\.[0-9]+(\.[0-9]+(-do\.[0-9]+)?)?$/;
const SIZE_SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const regionOf = (
  formData: Record<string, unknown> | undefined,
  options: KubernetesFieldOptions | undefined,
) => {
  const region = formData?.[options?.regionField ?? 'region'];
  return typeof region === 'string' && region !== '' ? region : undefined;
};

const nodeCountOf = (
  formData: Record<string, unknown>,
  options: KubernetesFieldOptions | undefined,
) => {
  const count = Number(formData[options?.countField ?? 'nodeCount']);
  return Number.isInteger(count) && count > 0 ? count : undefined;
};

function RegionPicker(props: Props) {
  const { value, loading, error } = useProviderOptions(api =>
    api.getKubernetesOptions(),
  );
  return (
    <ProviderSelect
      field={props}
      provider="DigitalOcean"
      what="regions"
      loading={loading}
      error={error}
      choices={value?.regions.map(r => ({
        value: r.slug,
        label: `${r.name} (${r.slug})`,
      }))}
      notOffered="no Kubernetes there"
      fallbackHint="type a region slug, e.g. fra1"
    />
  );
}

/** The region must be one where DigitalOcean offers Kubernetes. */
export const validateRegion: Validator = async (value, validation, context) => {
  if (!value) return;
  const offered = await offeredFor(context.apiHolder, api =>
    api.getKubernetesOptions(),
  );
  if (!offered) {
    if (!REGION_SLUG.test(value)) {
      validation.addError(`"${value}" is not a region slug, e.g. fra1`);
    }
  } else if (!offered.regions.some(r => r.slug === value)) {
    validation.addError(`DigitalOcean offers no Kubernetes in "${value}"`);
  }
};

function KubernetesVersionPicker(props: Props) {
  const { value, loading, error } = useProviderOptions(api =>
    api.getKubernetesOptions(),
  );
  const region = regionOf(formValues(props), props.uiSchema['ui:options']);
  return (
    <ProviderSelect
      field={props}
      provider="DigitalOcean"
      what="Kubernetes versions"
      loading={loading}
      error={error}
      choices={
        region
          ? value?.versions.map(v => ({
              value: v.slug,
              label: `${v.kubernetesVersion} (${v.slug})`,
            }))
          : undefined
      }
      waitingFor="a region"
      emptyLabel="The newest DigitalOcean offers"
      notOffered="no longer offered"
      note={region ? `Offered in ${region}` : null}
      fallbackHint="type a version (1.34 or 1.34.1-do.0), or leave it empty for the newest"
    />
  );
}

/** The version must be one DigitalOcean offers now (versions go out of support). */
export const validateKubernetesVersion: Validator = async (
  value,
  validation,
  context,
) => {
  if (!value) return;
  const offered = await offeredFor(context.apiHolder, api =>
    api.getKubernetesOptions(),
  );
  if (!offered) {
    if (!VERSION.test(value)) {
      validation.addError(
        `"${value}" is not a Kubernetes version, e.g. 1.34 or 1.34.1-do.0`,
      );
    }
  } else if (!offered.versions.some(v => v.slug === value)) {
    validation.addError(
      `DigitalOcean no longer offers Kubernetes ${value}: choose another version`,
    );
  }
};

function NodeSizePicker(props: Props) {
  const { value, loading, error } = useProviderOptions(api =>
    api.getKubernetesOptions(),
  );
  const options = props.uiSchema['ui:options'];
  const formData = formValues(props);
  const region = regionOf(formData, options);
  const count = nodeCountOf(formData, options);
  const chosen = value?.nodeSizes.find(s => s.slug === props.formData);
  const price =
    chosen && count
      ? `${count} × ${usd(chosen.priceMonthly)} a month = ${usd(
          count * chosen.priceMonthly,
        )} a month for the nodes`
      : chosen && `${usd(chosen.priceMonthly)} a month per node`;
  return (
    <ProviderSelect
      field={props}
      provider="DigitalOcean"
      what="node sizes"
      loading={loading}
      error={error}
      choices={
        region
          ? value?.nodeSizes
              .filter(s => s.regions.includes(region))
              .map(s => ({
                value: s.slug,
                label: `${s.slug}: ${s.description}, ${s.vcpus} vCPU, ${
                  s.memoryMiB / 1024
                } GB, ${usd(s.priceMonthly)} a month`,
              }))
          : undefined
      }
      waitingFor="a region"
      notOffered={region ? `not offered in ${region}` : undefined}
      note={price ? <span data-testid="node-price">{price}</span> : null}
      fallbackHint="type a Droplet size slug, e.g. s-2vcpu-4gb"
    />
  );
}

/** The size must be a node size offered in the region chosen earlier in the form. */
export const validateNodeSize: Validator = async (
  value,
  validation,
  context,
) => {
  if (!value) return;
  const offered = await offeredFor(context.apiHolder, api =>
    api.getKubernetesOptions(),
  );
  const region = regionOf(context.formData, context.uiSchema?.['ui:options']);
  const size = offered?.nodeSizes.find(s => s.slug === value);
  if (!offered) {
    if (!SIZE_SLUG.test(value)) {
      validation.addError(`"${value}" is not a size slug, e.g. s-2vcpu-4gb`);
    }
  } else if (!size) {
    validation.addError(
      `DigitalOcean offers no Kubernetes node size "${value}"`,
    );
  } else if (region && !size.regions.includes(region)) {
    validation.addError(
      `${value} is not offered in ${region}: choose another size`,
    );
  }
};

/**
 * `ui:field: VotingRegion`: the DigitalOcean regions that offer Kubernetes.
 *
 * @alpha
 */
export const regionField = createFormField({
  name: 'VotingRegion',
  component: RegionPicker,
  validation: validateRegion,
});

/**
 * `ui:field: VotingKubernetesVersion`: the Kubernetes versions DigitalOcean offers, once a
 * region is chosen (`ui:options.regionField`, default `region`); empty means the newest.
 *
 * @alpha
 */
export const kubernetesVersionField = createFormField({
  name: 'VotingKubernetesVersion',
  component: KubernetesVersionPicker,
  validation: validateKubernetesVersion,
});

/**
 * `ui:field: VotingNodeSize`: the node sizes offered in the region chosen earlier
 * (`ui:options.regionField`), with the monthly price of the size × the node count
 * (`ui:options.countField`, default `nodeCount`).
 *
 * @alpha
 */
export const nodeSizeField = createFormField({
  name: 'VotingNodeSize',
  component: NodeSizePicker,
  validation: validateNodeSize,
});

export { KubernetesVersionPicker, NodeSizePicker, RegionPicker };
