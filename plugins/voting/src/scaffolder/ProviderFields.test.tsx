import { createFieldValidation } from '@backstage/plugin-scaffolder-react/alpha';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { fireEvent, screen, within } from '@testing-library/react';
import type {
  CloudflareZoneOption,
  DatabaseOptions,
  KubernetesOptions,
} from '@voting-platform/plugin-voting-common';
import { useState, type ComponentType } from 'react';
import { votingOptionsApiRef, type VotingOptionsApi } from '../optionsApi';
import {
  CloudflareZonePicker,
  validateCloudflareZone,
} from './CloudflareZoneField';
import { DatabaseSizePicker, validateDatabaseSize } from './DatabaseSizeField';
import {
  KubernetesVersionPicker,
  NodeSizePicker,
  RegionPicker,
  validateKubernetesVersion,
  validateNodeSize,
  validateRegion,
} from './KubernetesFields';

const kubernetes: KubernetesOptions = {
  regions: [
    { slug: 'fra1', name: 'Frankfurt 1' },
    { slug: 'syd1', name: 'Sydney 1' },
  ],
  versions: [
    { slug: '1.34.1-do.0', kubernetesVersion: '1.34.1' },
    { slug: '1.33.5-do.0', kubernetesVersion: '1.33.5' },
  ],
  nodeSizes: [
    {
      slug: 's-2vcpu-4gb',
      description: 'Basic',
      vcpus: 2,
      memoryMiB: 4096,
      priceMonthly: 24,
      regions: ['fra1', 'syd1'],
    },
    {
      slug: 'g-2vcpu-8gb',
      description: 'General Purpose',
      vcpus: 2,
      memoryMiB: 8192,
      priceMonthly: 63,
      regions: ['fra1'],
    },
  ],
};
const databases: DatabaseOptions = {
  regions: ['fra1', 'syd1'],
  versions: ['16', '17'],
  layouts: [
    { nodes: 1, sizes: ['db-s-1vcpu-1gb', 'db-s-1vcpu-2gb'] },
    { nodes: 2, sizes: ['db-s-1vcpu-2gb'] },
  ],
};
const zones: CloudflareZoneOption[] = [
  { id: 'z1', name: 'acme.dev' },
  { id: 'z2', name: 'example.com' },
];

// what the options client throws for the backend's 503
const down = async (): Promise<never> => {
  throw new Error('Request failed with 503 Service Unavailable');
};

const never = () => new Promise<never>(() => {});

/** The options API as the backend answers it, or as an outage or a slow backend does. */
function optionsApi(
  answer: 'ok' | 'down' | 'pending' = 'ok',
): VotingOptionsApi {
  const reply = <T,>(value: T) => {
    if (answer === 'down') return down;
    return answer === 'pending' ? never : async () => value;
  };
  return {
    getKubernetesOptions: reply(kubernetes),
    getDatabaseOptions: reply(databases),
    getZones: reply(zones),
  };
}

/** A picker as the scaffolder renders it, its value kept as the form keeps it. */
async function renderField<T>(
  Picker: ComponentType<any>,
  options: {
    api?: VotingOptionsApi;
    value?: T;
    form?: Record<string, unknown>;
    uiOptions?: Record<string, unknown>;
    title?: string;
  } = {},
) {
  const changes: Array<T | undefined> = [];
  function Field() {
    const [value, setValue] = useState<T | undefined>(options.value);
    return (
      <Picker
        formData={value}
        onChange={(next: T | undefined) => {
          changes.push(next);
          setValue(next);
        }}
        schema={{ title: options.title ?? 'Field' }}
        uiSchema={{ 'ui:options': options.uiOptions ?? {} }}
        idSchema={{ $id: 'root_field' }}
        formContext={{ formData: options.form ?? {} }}
        rawErrors={[]}
        required={false}
      />
    );
  }
  await renderInTestApp(
    <TestApiProvider
      apis={[[votingOptionsApiRef, options.api ?? optionsApi()]]}
    >
      <Field />
    </TestApiProvider>,
  );
  return changes;
}

const optionLabels = (select: HTMLElement) =>
  within(select)
    .getAllByRole('option')
    .map(o => o.textContent);

/** Runs a field's validator as the scaffolder does when a page is submitted. */
async function validate<T>(
  validator: (...args: any[]) => void | Promise<void>,
  value: T,
  formData: Record<string, unknown> = {},
  api: VotingOptionsApi | undefined = optionsApi(),
) {
  const validation = createFieldValidation();
  await validator(value, validation, {
    formData,
    schema: {},
    uiSchema: {},
    apiHolder: {
      get: (ref: { id: string }) =>
        ref.id === votingOptionsApiRef.id ? api : undefined,
    },
  });
  return validation.__errors;
}

describe('VotingRegion', () => {
  it('says it is loading while DigitalOcean is asked', async () => {
    await renderField(RegionPicker, { api: optionsApi('pending') });
    expect(
      screen.getByText('Loading the regions from DigitalOcean…'),
    ).toBeInTheDocument();
    expect(screen.getByRole('combobox')).toBeDisabled();
  });

  it('lists the regions with Kubernetes and stores the chosen slug', async () => {
    const changes = await renderField(RegionPicker, { value: 'fra1' });
    const select = await screen.findByRole('combobox');
    expect(optionLabels(select)).toEqual([
      'Frankfurt 1 (fra1)',
      'Sydney 1 (syd1)',
    ]);
    expect(select).toHaveValue('fra1');
    fireEvent.change(select, { target: { value: 'syd1' } });
    expect(changes).toEqual(['syd1']);
  });

  it('falls back to a text field that says why when DigitalOcean cannot be reached', async () => {
    const changes = await renderField(RegionPicker, {
      api: optionsApi('down'),
    });
    const input = await screen.findByRole('textbox');
    expect(
      screen.getByText(
        /The regions could not be loaded from DigitalOcean \(Request failed with 503 Service Unavailable\): type a region slug, e\.g\. fra1/,
      ),
    ).toBeInTheDocument();
    fireEvent.change(input, { target: { value: 'ams3' } });
    expect(changes).toEqual(['ams3']);
  });

  it('accepts only regions with Kubernetes, and only slugs when DigitalOcean is down', async () => {
    expect(await validate(validateRegion, 'fra1')).toEqual([]);
    expect(await validate(validateRegion, 'xyz9')).toEqual([
      'DigitalOcean offers no Kubernetes in "xyz9"',
    ]);
    const offline = optionsApi('down');
    expect(await validate(validateRegion, 'xyz9', {}, offline)).toEqual([]);
    expect(await validate(validateRegion, 'Frankfurt', {}, offline)).toEqual([
      '"Frankfurt" is not a region slug, e.g. fra1',
    ]);
  });
});

describe('VotingKubernetesVersion', () => {
  it('waits for a region, then lists the versions with the newest as the empty choice', async () => {
    await renderField(KubernetesVersionPicker);
    expect(
      await screen.findByText('Choose a region first'),
    ).toBeInTheDocument();
    expect(screen.getByRole('combobox')).toBeDisabled();
  });

  it('follows the region chosen earlier in the form', async () => {
    const changes = await renderField(KubernetesVersionPicker, {
      form: { region: 'syd1' },
    });
    const select = await screen.findByRole('combobox');
    expect(optionLabels(select)).toEqual([
      'The newest DigitalOcean offers',
      '1.34.1 (1.34.1-do.0)',
      '1.33.5 (1.33.5-do.0)',
    ]);
    expect(screen.getByText('Offered in syd1')).toBeInTheDocument();
    fireEvent.change(select, { target: { value: '1.33.5-do.0' } });
    fireEvent.change(select, { target: { value: '' } });
    expect(changes).toEqual(['1.33.5-do.0', undefined]);
  });

  it('falls back to a text field when DigitalOcean cannot be reached', async () => {
    await renderField(KubernetesVersionPicker, {
      api: optionsApi('down'),
      form: { region: 'fra1' },
    });
    expect(await screen.findByRole('textbox')).toBeInTheDocument();
    expect(
      screen.getByText(
        /The Kubernetes versions could not be loaded from DigitalOcean/,
      ),
    ).toBeInTheDocument();
  });

  it('accepts the versions offered now, and version-like text when DigitalOcean is down', async () => {
    expect(await validate(validateKubernetesVersion, '1.34.1-do.0')).toEqual(
      [],
    );
    expect(await validate(validateKubernetesVersion, '1.29.1-do.0')).toEqual([
      'DigitalOcean no longer offers Kubernetes 1.29.1-do.0: choose another version',
    ]);
    const offline = optionsApi('down');
    expect(
      await validate(validateKubernetesVersion, '1.34', {}, offline),
    ).toEqual([]);
    expect(
      await validate(validateKubernetesVersion, 'newest', {}, offline),
    ).toHaveLength(1);
  });
});

describe('VotingNodeSize', () => {
  it('says it is loading, then waits for a region', async () => {
    await renderField(NodeSizePicker, { api: optionsApi('pending') });
    expect(
      screen.getByText('Loading the node sizes from DigitalOcean…'),
    ).toBeInTheDocument();
  });

  it('lists the sizes of the chosen region with their prices, and the price of the node count', async () => {
    const changes = await renderField(NodeSizePicker, {
      value: 's-2vcpu-4gb',
      form: { region: 'fra1', nodeCount: 3 },
    });
    const select = await screen.findByRole('combobox');
    expect(optionLabels(select)).toEqual([
      's-2vcpu-4gb: Basic, 2 vCPU, 4 GB, $24 a month',
      'g-2vcpu-8gb: General Purpose, 2 vCPU, 8 GB, $63 a month',
    ]);
    expect(screen.getByTestId('node-price')).toHaveTextContent(
      '3 × $24 a month = $72 a month for the nodes',
    );
    fireEvent.change(select, { target: { value: 'g-2vcpu-8gb' } });
    expect(changes).toEqual(['g-2vcpu-8gb']);
    expect(screen.getByTestId('node-price')).toHaveTextContent(
      '3 × $63 a month = $189 a month for the nodes',
    );
  });

  it('follows the region: a size not offered there is marked, and the count follows ui:options', async () => {
    await renderField(NodeSizePicker, {
      value: 'g-2vcpu-8gb',
      form: { region: 'syd1', workers: 2 },
      uiOptions: { countField: 'workers' },
    });
    const select = await screen.findByRole('combobox');
    expect(optionLabels(select)).toEqual([
      's-2vcpu-4gb: Basic, 2 vCPU, 4 GB, $24 a month',
      'g-2vcpu-8gb (not offered in syd1)',
    ]);
    expect(screen.getByTestId('node-price')).toHaveTextContent(
      '2 × $63 a month = $126 a month',
    );
  });

  it('waits for a region before listing sizes', async () => {
    await renderField(NodeSizePicker, { value: 's-2vcpu-4gb' });
    expect(
      await screen.findByText('Choose a region first'),
    ).toBeInTheDocument();
  });

  it('falls back to a text field with the reason when DigitalOcean cannot be reached', async () => {
    const changes = await renderField(NodeSizePicker, {
      api: optionsApi('down'),
      form: { region: 'fra1', nodeCount: 3 },
    });
    const input = await screen.findByRole('textbox');
    expect(
      screen.getByText(/type a Droplet size slug, e\.g\. s-2vcpu-4gb/),
    ).toBeInTheDocument();
    fireEvent.change(input, { target: { value: 's-4vcpu-8gb' } });
    expect(changes).toEqual(['s-4vcpu-8gb']);
    expect(screen.queryByTestId('node-price')).toBeNull();
  });

  it('accepts only sizes offered in the region of the form', async () => {
    expect(
      await validate(validateNodeSize, 'g-2vcpu-8gb', { region: 'fra1' }),
    ).toEqual([]);
    expect(
      await validate(validateNodeSize, 'g-2vcpu-8gb', { region: 'syd1' }),
    ).toEqual(['g-2vcpu-8gb is not offered in syd1: choose another size']);
    expect(
      await validate(validateNodeSize, 'm-64vcpu', { region: 'fra1' }),
    ).toEqual(['DigitalOcean offers no Kubernetes node size "m-64vcpu"']);
    const offline = optionsApi('down');
    expect(
      await validate(validateNodeSize, 'm-64vcpu', { region: 'fra1' }, offline),
    ).toEqual([]);
    expect(
      await validate(validateNodeSize, 'Large!', { region: 'fra1' }, offline),
    ).toEqual(['"Large!" is not a size slug, e.g. s-2vcpu-4gb']);
  });
});

describe('VotingDatabaseSize', () => {
  it('says it is loading while DigitalOcean is asked', async () => {
    await renderField(DatabaseSizePicker, { api: optionsApi('pending') });
    expect(
      screen.getByText('Loading the database sizes from DigitalOcean…'),
    ).toBeInTheDocument();
  });

  it('lists the sizes offered for the node count of the form', async () => {
    const changes = await renderField(DatabaseSizePicker, {
      value: 'db-s-1vcpu-2gb',
      form: { region: 'fra1', databaseNodes: 1 },
    });
    const select = await screen.findByRole('combobox');
    expect(optionLabels(select)).toEqual(['db-s-1vcpu-1gb', 'db-s-1vcpu-2gb']);
    expect(
      screen.getByText('Sizes offered for 1 node in fra1'),
    ).toBeInTheDocument();
    fireEvent.change(select, { target: { value: 'db-s-1vcpu-1gb' } });
    expect(changes).toEqual(['db-s-1vcpu-1gb']);
  });

  it('follows the node count: a size not offered for it is marked', async () => {
    await renderField(DatabaseSizePicker, {
      value: 'db-s-1vcpu-1gb',
      form: { region: 'fra1', databaseNodes: 2 },
    });
    const select = await screen.findByRole('combobox');
    expect(optionLabels(select)).toEqual([
      'db-s-1vcpu-2gb',
      'db-s-1vcpu-1gb (not offered for 2 nodes)',
    ]);
  });

  it('falls back to a text field when DigitalOcean cannot be reached', async () => {
    await renderField(DatabaseSizePicker, { api: optionsApi('down') });
    expect(await screen.findByRole('textbox')).toBeInTheDocument();
    expect(
      screen.getByText(/type a database size slug, e\.g\. db-s-1vcpu-2gb/),
    ).toBeInTheDocument();
  });

  it('accepts only sizes offered for the node count and region', async () => {
    expect(
      await validate(validateDatabaseSize, 'db-s-1vcpu-2gb', {
        region: 'fra1',
        databaseNodes: 2,
      }),
    ).toEqual([]);
    expect(
      await validate(validateDatabaseSize, 'db-s-1vcpu-1gb', {
        region: 'fra1',
        databaseNodes: 2,
      }),
    ).toEqual([
      'db-s-1vcpu-1gb is not offered for 2 nodes: choose another size',
    ]);
    expect(
      await validate(validateDatabaseSize, 'db-s-1vcpu-2gb', {
        region: 'xyz9',
        databaseNodes: 1,
      }),
    ).toEqual(['DigitalOcean offers no managed PostgreSQL in xyz9']);
    const offline = optionsApi('down');
    expect(await validate(validateDatabaseSize, 'db-s-9', {}, offline)).toEqual(
      [],
    );
    expect(await validate(validateDatabaseSize, 'large', {}, offline)).toEqual([
      '"large" is not a database size slug, e.g. db-s-1vcpu-2gb',
    ]);
  });
});

describe('VotingCloudflareZone', () => {
  it('says it is loading while Cloudflare is asked', async () => {
    await renderField(CloudflareZonePicker, { api: optionsApi('pending') });
    expect(
      screen.getByText('Loading the zones from Cloudflare…'),
    ).toBeInTheDocument();
  });

  it('lists the active zones and stores the zone id with its name', async () => {
    const changes = await renderField(CloudflareZonePicker, {
      form: { domain: 'vote.example.com' },
    });
    const select = await screen.findByRole('combobox');
    expect(optionLabels(select)).toEqual([
      'The zone named vote.example.com',
      'acme.dev',
      'example.com',
    ]);
    fireEvent.change(select, { target: { value: 'z2' } });
    fireEvent.change(select, { target: { value: '' } });
    expect(changes).toEqual([{ id: 'z2', name: 'example.com' }, undefined]);
  });

  it('falls back to a text field for the zone name when Cloudflare cannot be reached', async () => {
    const changes = await renderField(CloudflareZonePicker, {
      api: optionsApi('down'),
    });
    const input = await screen.findByRole('textbox');
    expect(
      screen.getByText(
        /The zones could not be loaded from Cloudflare .*: type the zone's name, e\.g\. example\.com/,
      ),
    ).toBeInTheDocument();
    fireEvent.change(input, { target: { value: 'Example.com' } });
    expect(changes).toEqual([{ name: 'example.com' }]);
  });

  it('accepts an active zone that holds the domain', async () => {
    const zone = { id: 'z2', name: 'example.com' };
    expect(
      await validate(validateCloudflareZone, zone, {
        domain: 'vote.example.com',
      }),
    ).toEqual([]);
    expect(
      await validate(validateCloudflareZone, zone, { domain: 'acme.dev' }),
    ).toEqual(['acme.dev is not in the zone example.com']);
    expect(
      await validate(validateCloudflareZone, { id: 'z9', name: 'gone.io' }),
    ).toEqual(['gone.io is not an active Cloudflare zone of the account']);
    // nothing chosen (or the form's empty object): the zone named like the domain
    expect(await validate(validateCloudflareZone, {})).toEqual([]);
    const offline = optionsApi('down');
    expect(
      await validate(
        validateCloudflareZone,
        { name: 'example.com' },
        { domain: 'example.com' },
        offline,
      ),
    ).toEqual([]);
    expect(
      await validate(
        validateCloudflareZone,
        { name: 'not a zone' },
        {},
        offline,
      ),
    ).toEqual(['"not a zone" is not a zone name, e.g. example.com']);
  });
});
