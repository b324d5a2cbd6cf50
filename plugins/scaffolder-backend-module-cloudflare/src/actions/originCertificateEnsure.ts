import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CloudflareError,
  createCloudflareClient,
  type CloudflareActionOptions,
} from '../lib/client';
import {
  checkpointKey,
  describeChange,
  dryRunId,
  outcomeOf,
  parseInput,
  runCheckpoint,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { examples } from './originCertificateEnsure.examples';

const input = {
  hostnames: (z: Zod) =>
    z
      .array(
        z
          .string()
          .regex(
            /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/,
            'a host name, or a wildcard such as *.example.com',
          ),
      )
      .min(1)
      .max(100)
      .describe(
        'Host names the certificate covers, e.g. [example.com, "*.example.com"]',
      ),
  keyType: (z: Zod) =>
    z
      .enum(['ecdsa', 'rsa'])
      .default('ecdsa')
      .describe(
        'Key of the certificate: ECDSA P-256 (origin-ecc) or RSA 2048 (origin-rsa)',
      ),
  validityDays: (z: Zod) =>
    z
      .union([
        z.literal(7),
        z.literal(30),
        z.literal(90),
        z.literal(365),
        z.literal(730),
        z.literal(1095),
        z.literal(5475),
      ])
      .default(5475)
      .describe('Validity in days: 7, 30, 90, 365, 730, 1095 or 5475'),
  targetPath: (z: Zod) =>
    z
      .string()
      .min(1)
      .default('tls/origin')
      .describe(
        'Workspace folder for tls.crt, tls.key and certificate.json (default tls/origin)',
      ),
};

interface Saved {
  id: string;
  hostnames: string[];
  expiresOn: string;
}

const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;

/** A new key pair and a CSR for the host names; the key never leaves the workspace. */
async function keyAndCsr(hostnames: string[], keyType: 'ecdsa' | 'rsa') {
  const algorithm =
    keyType === 'ecdsa'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: `CN=${hostnames[0]}`,
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.SubjectAlternativeNameExtension(
          hostnames.map(value => ({ type: 'dns' as const, value })),
        ),
      ],
    },
    webcrypto as Crypto,
  );
  return {
    csr: csr.toString('pem'),
    key: pem(
      'PRIVATE KEY',
      await webcrypto.subtle.exportKey('pkcs8', keys.privateKey),
    ),
  };
}

const sameHosts = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/**
 * `cloudflare:origin-certificate:ensure`: an Origin CA certificate for the host names, with a key
 * made here. Certificate and key go to files in the workspace (for a later step that stores them
 * in the cluster); no output carries the key.
 *
 * @public
 */
export function createCloudflareOriginCertificateEnsureAction(
  options: CloudflareActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'cloudflare:origin-certificate:ensure',
    description:
      'Creates a Cloudflare Origin CA certificate for the given host names with a private key made in the task, and writes tls.crt and tls.key into the workspace. Reuses the certificate in the workspace while Cloudflare still has it. No output carries the key.',
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        certificateId: z =>
          z
            .string()
            .describe(
              'A placeholder (dry-run-origin-certificate-<first host>) in a dry run when it would be created',
            ),
        hostnames: z => z.array(z.string()),
        expiresOn: z => z.string(),
        certificatePath: z =>
          z.string().describe('tls.crt, relative to the workspace'),
        keyPath: z => z.string().describe('tls.key, relative to the workspace'),
        created: z => z.boolean(),
        outcome: z =>
          z
            .enum(['created', 'unchanged', 'would-create'])
            .describe('What this run did, or in a dry run would do'),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input);
      const client = createCloudflareClient(options, ctx);
      const dir = resolveSafeChildPath(ctx.workspacePath, i.targetPath);
      const paths = {
        meta: join(dir, 'certificate.json'),
        crt: join(dir, 'tls.crt'),
        key: join(dir, 'tls.key'),
      };
      const rel = {
        certificatePath: join(i.targetPath, 'tls.crt'),
        keyPath: join(i.targetPath, 'tls.key'),
      };
      const saved: Saved | undefined = await readFile(paths.meta, 'utf8').then(
        text => JSON.parse(text),
        () => undefined,
      );
      let reuse: Saved | undefined;
      if (saved && sameHosts(saved.hostnames, i.hostnames)) {
        const current = await client
          .call(`get certificate ${saved.id}`, () =>
            client.cf.originCACertificates.get(saved.id),
          )
          .catch(err => {
            if ((err as { status?: number }).status === 404) return undefined;
            throw err;
          });
        const keyThere = await readFile(paths.key).then(
          () => true,
          () => false,
        );
        if (current && keyThere) reuse = saved;
      }
      const output = (
        s: Saved | undefined,
        outcome: 'created' | 'unchanged' | 'would-create',
      ) => {
        ctx.output(
          'certificateId',
          s?.id ?? dryRunId('origin-certificate', i.hostnames[0]!),
        );
        ctx.output('hostnames', i.hostnames);
        ctx.output('expiresOn', s?.expiresOn ?? '');
        ctx.output('certificatePath', rel.certificatePath);
        ctx.output('keyPath', rel.keyPath);
        ctx.output('created', outcome === 'created');
        ctx.output('outcome', outcome);
      };
      if (reuse) {
        ctx.logger.info(
          describeChange(
            ctx.isDryRun,
            'reuse',
            `Origin CA certificate ${reuse.id} for ${i.hostnames.join(', ')} (${
              i.targetPath
            })`,
          ),
        );
        output(reuse, 'unchanged');
        return;
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          describeChange(
            true,
            'create',
            `an Origin CA certificate (${i.keyType}, ${
              i.validityDays
            } days) for ${i.hostnames.join(', ')} into ${i.targetPath}`,
          ),
        );
        output(undefined, outcomeOf(true, 'create'));
        return;
      }
      const { value: made, ranNow } = await runCheckpoint(
        ctx,
        checkpointKey(
          'origin-certificate',
          'create',
          [...i.hostnames].sort().join(','),
          i.targetPath,
        ),
        async () => {
          const { csr, key } = await keyAndCsr(i.hostnames, i.keyType);
          const cert = await client.call(
            `create Origin CA certificate for ${i.hostnames.join(', ')}`,
            () =>
              client.cf.originCACertificates.create({
                csr,
                hostnames: i.hostnames,
                request_type:
                  i.keyType === 'ecdsa' ? 'origin-ecc' : 'origin-rsa',
                requested_validity: i.validityDays,
              }),
          );
          if (!cert.id || !cert.certificate)
            throw new CloudflareError(
              'Cloudflare answered the certificate request without a certificate',
            );
          const result: Saved = {
            id: cert.id,
            hostnames: i.hostnames,
            expiresOn: cert.expires_on ?? '',
          };
          await mkdir(dir, { recursive: true });
          await writeFile(paths.key, key, { mode: 0o600 });
          await writeFile(paths.crt, cert.certificate);
          await writeFile(paths.meta, `${JSON.stringify(result, null, 2)}\n`);
          return { ...result };
        },
      );
      ctx.logger.info(
        describeChange(
          false,
          // a retried task: an earlier attempt created it
          ranNow ? 'create' : 'reuse',
          `Origin CA certificate ${made.id} for ${i.hostnames.join(
            ', ',
          )}, valid until ${made.expiresOn}; ${rel.certificatePath} and ${
            rel.keyPath
          } are in the workspace`,
        ),
      );
      output(made, 'created');
    },
  });
}
