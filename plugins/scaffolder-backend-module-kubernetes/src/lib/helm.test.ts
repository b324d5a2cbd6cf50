import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartSource, helmSettings, presetRepositories } from './helm';

describe('Helm settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helm-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes Helm from config, else from the PATH, never from the test cache under ~/.cache', () => {
    // a Helm in the cache the test scripts fill
    const cached = join(dir, 'cache/voting-platform/helm/v4.1.0/bin');
    mkdirSync(cached, { recursive: true });
    writeFileSync(join(cached, 'helm'), '#!/bin/sh\n');
    chmodSync(join(cached, 'helm'), 0o755);
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(dir, 'cache');
    try {
      expect(helmSettings(new ConfigReader({})).binary).toBe('helm');
      expect(helmSettings().binary).toBe('helm');
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
    const configured = join(cached, 'helm');
    expect(
      helmSettings(
        new ConfigReader({
          kubernetesActions: { helm: { binary: configured } },
        }),
      ).binary,
    ).toBe(configured);
    expect(() =>
      helmSettings(
        new ConfigReader({
          kubernetesActions: { helm: { binary: join(dir, 'missing') } },
        }),
      ),
    ).toThrow(
      /kubernetesActions.helm.binary points at .*missing, which does not exist/,
    );
  });

  it("allows the presets' repositories unless the config lists others", () => {
    expect(helmSettings().allowedRepositories).toEqual(presetRepositories());
    expect(presetRepositories()).toEqual([
      'https://traefik.github.io/charts',
      'https://prometheus-community.github.io/helm-charts',
    ]);
    const settings = helmSettings(
      new ConfigReader({
        kubernetesActions: {
          helm: {
            allowedRepositories: [
              'https://charts.example.com/',
              'oci://registry.example.com/charts',
            ],
          },
        },
      }),
    );
    expect(settings.allowedRepositories).toEqual([
      'https://charts.example.com',
      'oci://registry.example.com/charts',
    ]);
    expect(
      chartSource(settings, 'redis', 'https://charts.example.com/'),
    ).toEqual({
      chartRef: 'redis',
      repo: 'https://charts.example.com',
      local: false,
    });
    expect(
      chartSource(settings, 'redis', 'oci://registry.example.com/charts'),
    ).toEqual({
      chartRef: 'oci://registry.example.com/charts/redis',
      local: false,
    });
    expect(() =>
      chartSource(settings, 'traefik', 'https://traefik.github.io/charts'),
    ).toThrow(/is not allowed/);
    expect(() =>
      chartSource(settings, 'redis', 'https://user:secret@charts.example.com'),
    ).toThrow(/without credentials/);
    for (const chart of [
      '/etc',
      './redis',
      '../redis',
      'a/b',
      'oci://registry.example.com/charts/redis',
    ]) {
      expect(() =>
        chartSource(settings, chart, 'https://charts.example.com'),
      ).toThrow(/is not a chart name/);
    }
  });

  it("takes a preset's repository and version from config, and allows that repository without listing it", () => {
    const mirrored = helmSettings(
      new ConfigReader({
        kubernetesActions: {
          helm: {
            presets: {
              traefik: {
                repository: 'https://mirror.example.com/charts/',
                version: '37.1.0',
              },
            },
          },
        },
      }),
    );
    expect(mirrored.presets).toEqual({
      traefik: {
        repositoryUrl: 'https://mirror.example.com/charts',
        version: '37.1.0',
      },
      'kube-prometheus-stack': {
        repositoryUrl: 'https://prometheus-community.github.io/helm-charts',
        version: '77.0.0',
      },
    });
    expect(mirrored.allowedRepositories).toEqual([
      'https://mirror.example.com/charts',
      'https://prometheus-community.github.io/helm-charts',
    ]);
    const listed = helmSettings(
      new ConfigReader({
        kubernetesActions: {
          helm: {
            allowedRepositories: ['https://charts.example.com'],
            presets: {
              traefik: { repository: 'oci://registry.example.com/charts' },
            },
          },
        },
      }),
    );
    expect(listed.allowedRepositories).toEqual([
      'https://charts.example.com',
      'oci://registry.example.com/charts',
    ]);
    expect(listed.presets.traefik.version).toBe('37.0.0');
    const withPreset = (traefik: object) => () =>
      helmSettings(
        new ConfigReader({
          kubernetesActions: { helm: { presets: { traefik } } },
        }),
      );
    expect(withPreset({ version: '^37.0.0' })).toThrow(
      /kubernetesActions.helm.presets.traefik.version "\^37.0.0" is not an exact chart version/,
    );
    expect(withPreset({ repository: 'file:///charts' })).toThrow(
      /kubernetesActions.helm.presets.traefik.repository file:\/\/\/charts must be an http\(s\) or oci URL/,
    );
    expect(withPreset({ version: '^37.0.0' })).toThrow(InputError);
  });

  it('serves a repository from a local folder only when the config says so, and checks the folder', () => {
    const settings = helmSettings(
      new ConfigReader({
        kubernetesActions: {
          helm: {
            allowedRepositories: ['https://charts.example.com'],
            localChartRepositories: [
              { url: 'https://charts.example.com', directory: dir },
            ],
          },
        },
      }),
    );
    expect(
      chartSource(settings, 'probe', 'https://charts.example.com'),
    ).toEqual({ chartRef: join(dir, 'probe'), local: true });
    expect(() =>
      helmSettings(
        new ConfigReader({
          kubernetesActions: {
            helm: {
              localChartRepositories: [
                { url: 'https://charts.example.com', directory: 'relative' },
              ],
            },
          },
        }),
      ),
    ).toThrow(/relative is not an existing absolute path/);
  });
});
