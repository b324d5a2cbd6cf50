import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { createDigitalOceanVpcEnsureAction } from './vpcEnsure';

describe('digitalocean:vpc:ensure', () => {
  const h = createHarness();
  const vpcs = (name: string) =>
    [...h.env.sandbox.digitalocean.vpcs.values()].filter(v => v.name === name);
  const action = () => createDigitalOceanVpcEnsureAction(h.options());

  it('creates a VPC, then reuses it unchanged on a second run', async () => {
    const first = await h.run(action(), {
      name: 'vpc-happy',
      region: 'nyc1',
      ipRange: '10.20.0.0/20',
    });
    expect(first.outputs).toMatchObject({
      name: 'vpc-happy',
      region: 'nyc1',
      ipRange: '10.20.0.0/20',
      created: true,
      outcome: 'created',
    });
    expect(vpcs('vpc-happy')).toHaveLength(1);
    expect(first.outputs.vpcId).toBe(vpcs('vpc-happy')[0]!.id);

    const creates = h.calls('vpcs_create');
    const second = await h.run(action(), {
      name: 'vpc-happy',
      region: 'nyc1',
      ipRange: '10.20.0.0/20',
    });
    expect(second.outputs).toEqual({
      ...first.outputs,
      created: false,
      outcome: 'unchanged',
    });
    expect(h.calls('vpcs_create')).toBe(creates);
    expect(second.logs.join('\n')).toContain('Reusing VPC "vpc-happy"');
  });

  it('fails clearly when the name is taken by a VPC with other settings', async () => {
    await h.run(action(), { name: 'vpc-taken', region: 'nyc1' });
    await expect(
      h.run(action(), { name: 'vpc-taken', region: 'fra1' }),
    ).rejects.toThrow(
      /name "vpc-taken" is taken by VPC .* region nyc1 \(wanted fra1\)/,
    );
  });

  it('creates once when the worker dies after the create and the task is retried', async () => {
    const checkpoints = new Map();
    const before = h.calls('vpcs_create');
    await expect(
      h.run(
        action(),
        { name: 'vpc-crash', region: 'nyc1' },
        { checkpoints, crashAfter: 'vpc.create.vpc-crash' },
      ),
    ).rejects.toThrow(Crash);
    expect(h.calls('vpcs_create')).toBe(before + 1);
    // the retried task runs with the checkpoints the first run recorded
    const retried = await h.run(
      action(),
      { name: 'vpc-crash', region: 'nyc1' },
      { checkpoints },
    );
    expect(h.calls('vpcs_create')).toBe(before + 1);
    expect(vpcs('vpc-crash')).toHaveLength(1);
    expect(retried.outputs.vpcId).toBe(vpcs('vpc-crash')[0]!.id);
  });

  it('uses the checkpointed VPC without calling create again', async () => {
    const cache = new Map();
    await h.run(
      action(),
      { name: 'vpc-cp', region: 'nyc1' },
      { checkpoints: cache },
    );
    const id = (cache.get('vpc.create.vpc-cp') as { id: string }).id;
    // the VPC is renamed out of band: a retried step still trusts its checkpoint, not a new create
    h.env.sandbox.digitalocean.vpcs.get(id)!.name = 'vpc-cp-renamed';
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'vpcs_create',
      status: 500,
      times: Infinity,
    });
    const retried = await h.run(
      action(),
      { name: 'vpc-cp', region: 'nyc1' },
      { checkpoints: cache },
    );
    expect(retried.outputs.vpcId).toBe(id);
  });

  it('dry run reports what it would do and changes nothing', async () => {
    const before = h.env.sandbox.digitalocean.vpcs.size;
    const creates = h.calls('vpcs_create');
    const result = await h.run(
      action(),
      { name: 'vpc-dry', region: 'nyc1' },
      { isDryRun: true },
    );
    expect(result.logs.join('\n')).toContain(
      'Dry run: would create VPC "vpc-dry" in nyc1',
    );
    expect(result.outputs).toMatchObject({
      vpcId: 'dry-run-vpc-vpc-dry',
      created: false,
      outcome: 'would-create',
    });
    expect(h.env.sandbox.digitalocean.vpcs.size).toBe(before);
    expect(h.calls('vpcs_create')).toBe(creates);
    // the same keys as a real run
    expect(Object.keys(result.outputs).sort()).toEqual(
      Object.keys(
        (await h.run(action(), { name: 'vpc-dry', region: 'nyc1' })).outputs,
      ).sort(),
    );
  });

  it('retries a 429 after its retry-after, and 500 / 503', async () => {
    const { faults } = h.env.sandbox.digitalocean;
    faults.add({ operationId: 'vpcs_create', status: 429, retryAfter: 7 });
    faults.add({ operationId: 'vpcs_list', status: 500 });
    faults.add({ operationId: 'vpcs_list', status: 503 });
    const result = await h.run(action(), { name: 'vpc-429', region: 'nyc1' });
    expect(result.outputs.created).toBe(true);
    expect(h.sleeps).toContain(7000);
    expect(vpcs('vpc-429')).toHaveLength(1);
    expect(result.logs.join('\n')).toMatch(
      /429: API rate limit exceeded.*retrying in 7 s/,
    );
  });

  it('fails clearly on a persistent 5xx after the retries', async () => {
    const fault = h.env.sandbox.digitalocean.faults.add({
      operationId: 'vpcs_list',
      status: 503,
      times: Infinity,
    });
    await expect(
      h.run(action(), { name: 'vpc-503', region: 'nyc1' }),
    ).rejects.toThrow(
      /DigitalOcean: list VPCs failed with 503: Service temporarily unavailable/,
    );
    expect(fault.hits).toBe(4);
  });

  it('retries a request that timed out, and fails clearly when it never answers', async () => {
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'vpcs_list',
      delayMs: 400,
    });
    const slow = createDigitalOceanVpcEnsureAction(
      h.options({ requestTimeoutMs: 150 }),
    );
    expect(
      (await h.run(slow, { name: 'vpc-slow', region: 'nyc1' })).outputs.created,
    ).toBe(true);
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'vpcs_list',
      delayMs: 300,
      times: Infinity,
    });
    await expect(
      h.run(slow, { name: 'vpc-slow', region: 'nyc1' }),
    ).rejects.toThrow(/DigitalOcean did not answer "list VPCs" within 150 ms/);
    await h.settle();
  });

  it("surfaces a 422 with the provider's message without retrying", async () => {
    const fault = h.env.sandbox.digitalocean.faults.add({
      operationId: 'vpcs_create',
      status: 422,
      message: 'ip_range overlaps with 10.20.0.0/20',
      times: Infinity,
    });
    await expect(
      h.run(action(), {
        name: 'vpc-422',
        region: 'nyc1',
        ipRange: '10.20.0.0/24',
      }),
    ).rejects.toThrow(
      /create VPC "vpc-422" failed with 422: ip_range overlaps with 10.20.0.0\/20/,
    );
    expect(fault.hits).toBe(1);
  });

  it('rejects bad inputs naming the field', async () => {
    await expect(
      h.run(action(), { name: 'vpc bad', region: 'nyc1' }),
    ).rejects.toThrow(/name: letters, digits/);
    await expect(
      h.run(action(), { name: 'ok', region: 'nyc1', ipRange: '10.0.0.0' }),
    ).rejects.toThrow(/ipRange: a CIDR range/);
    await expect(h.run(action(), { name: 'ok' })).rejects.toThrow(
      /region: Required/,
    );
  });

  it('names the setting when the token is missing or rejected, and never shows it', async () => {
    const noToken = createDigitalOceanVpcEnsureAction(
      h.options({ token: undefined }),
    );
    await expect(
      h.run(noToken, { name: 'vpc-t', region: 'nyc1' }),
    ).rejects.toThrow(
      /set digitalocean.token in app-config or pass the digitaloceanToken task secret/,
    );
    const err = await h
      .run(
        action(),
        { name: 'vpc-t', region: 'nyc1' },
        { secrets: { digitaloceanToken: 'dop_v1_wrong' } },
      )
      .catch(e => e);
    expect(err.message).toMatch(
      /DigitalOcean rejected the API token \(401 Unable to authenticate you\): check digitalocean.token/,
    );
    expect(err.message).not.toContain('dop_v1_wrong');
    h.expectNoSecrets(err, err.logs);
  });

  it('takes the token from the digitaloceanToken secret over app-config', async () => {
    const wrongConfig = createDigitalOceanVpcEnsureAction(
      h.options({ token: 'dop_v1_wrong' }),
    );
    const result = await h.run(
      wrongConfig,
      { name: 'vpc-secret', region: 'nyc1' },
      { secrets: { digitaloceanToken: h.env.sandbox.digitalocean.token } },
    );
    expect(result.outputs.created).toBe(true);
    h.expectNoSecrets(result.logs, result.outputs, [...result.checkpoints]);
  });
});
