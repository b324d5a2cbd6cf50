import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { createCloudflareZoneSslEnsureAction } from './zoneSslEnsure';

const EDIT = 'zone-settings-edit-single-setting';

describe('cloudflare:zone:ssl:ensure', () => {
  const h = createHarness();
  const action = () => createCloudflareZoneSslEnsureAction(h.options());
  const mode = (zone = 'example.com') => h.zone(zone).settings.ssl!.value;

  it('sets the mode, and changes nothing when it is set already', async () => {
    const first = await h.run(action(), {
      zone: 'example.com',
      mode: 'strict',
    });
    expect(first.outputs).toEqual({
      zoneId: h.zone().id,
      mode: 'strict',
      previousMode: 'full',
      changed: true,
      outcome: 'updated',
    });
    expect(mode()).toBe('strict');
    const edits = h.calls(EDIT);
    expect(
      (await h.run(action(), { zone: 'example.com' })).outputs,
    ).toMatchObject({ mode: 'strict', changed: false, outcome: 'unchanged' });
    expect(h.calls(EDIT)).toBe(edits);
    h.expectNoSecrets(first);
  });

  it('a retried task does not set it again', async () => {
    const checkpoints = new Map();
    const edits = h.calls(EDIT);
    await expect(
      h.run(
        action(),
        { zone: 'example.org', mode: 'flexible' },
        {
          checkpoints,
          crashAfter: `zone-ssl.set.${h.zone('example.org').id}.flexible`,
        },
      ),
    ).rejects.toThrow(Crash);
    await h.run(
      action(),
      { zone: 'example.org', mode: 'flexible' },
      { checkpoints },
    );
    expect(h.calls(EDIT)).toBe(edits + 1);
  });

  it('dry run reports the change and makes none', async () => {
    const dry = await h.run(
      action(),
      { zone: 'example.com', mode: 'off' },
      { isDryRun: true },
    );
    expect(dry.outputs).toMatchObject({
      mode: 'off',
      previousMode: 'strict',
      changed: false,
      outcome: 'would-update',
    });
    expect(dry.logs.join('\n')).toContain(
      'Dry run: would set the SSL mode of example.com: strict -> off',
    );
    expect(mode()).toBe('strict');
  });

  it('retries 429 / 5xx; a persistent 5xx, a 4xx with a message and a slow answer', async () => {
    const { faults } = h.env.sandbox.cloudflare;
    faults.add({ operationId: EDIT, status: 429, retryAfter: 0 });
    faults.add({
      operationId: 'zone-settings-get-single-setting',
      status: 500,
    });
    expect(
      (await h.run(action(), { zone: 'example.com', mode: 'full' })).outputs
        .changed,
    ).toBe(true);
    faults.add({ operationId: EDIT, status: 503, times: Infinity });
    await expect(
      h.run(action(), { zone: 'example.com', mode: 'flexible' }),
    ).rejects.toThrow(/set the SSL mode of example.com failed with 503/);
    faults.clear();
    faults.add({
      operationId: EDIT,
      status: 422,
      message: 'SSL mode strict needs an active certificate',
      code: 1016,
    });
    await expect(
      h.run(action(), { zone: 'example.com', mode: 'strict' }),
    ).rejects.toThrow(
      /failed with 422: SSL mode strict needs an active certificate \(1016\)/,
    );
    faults.add({
      operationId: 'zone-settings-get-single-setting',
      delayMs: 300,
    });
    expect(
      (
        await h.run(
          createCloudflareZoneSslEnsureAction(
            h.options({ requestTimeoutMs: 150 }),
          ),
          { zone: 'example.com', mode: 'strict' },
        )
      ).outputs.changed,
    ).toBe(true);
    await h.settle();
  });

  it('rejects bad inputs naming the field', async () => {
    await expect(
      h.run(action(), { zone: 'example.com', mode: 'paranoid' }),
    ).rejects.toThrow(/mode: Invalid enum value/);
  });
});
