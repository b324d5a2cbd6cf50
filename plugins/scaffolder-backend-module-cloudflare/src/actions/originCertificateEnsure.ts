import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  createDigitalOceanClient,
  getKubeconfig,
} from '@voting-platform/plugin-digitalocean-node';
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  KubernetesConnection,
} from '@voting-platform/plugin-kubernetes-node';
import {
  CloudflareError,
  zoneClient,
  type CloudflareActionOptions,
} from '../lib/client';
import {
  keyAndCsr,
  listOriginCertificates,
  revokeOriginCertificate,
  type OriginCertificate,
} from '../lib/originCertificates';
import {
  checkpointKey,
  describeChange,
  describePlaceholder,
  describeRead,
  dryRunId,
  dryRunPlaceholders,
  ENSURE_OUTCOMES,
  idOrDryRunId,
  outcomeOf,
  parseInput,
  runCheckpoint,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { hostnames, zone } from './inputProperties';
import { examples } from './originCertificateEnsure.examples';

/** The field manager of the TLS Secret (and its Namespace) this action applies. */
const FIELD_MANAGER = 'backstage-origin-certificate';
/** Names the Cloudflare certificate a TLS Secret holds, for people reading the cluster. */
export const CERTIFICATE_ID_ANNOTATION =
  'voting-platform.io/origin-ca-certificate-id';

const input = {
  clusterId: (z: Zod) =>
    idOrDryRunId(z, z.string().min(1)).describe(
      'DigitalOcean Kubernetes cluster id: the TLS Secret, with the key, is kept there (its kubeconfig is fetched inside the action)',
    ),
  zone: (z: Zod) =>
    zone(z).describe('Cloudflare zone the host names belong to'),
  hostnames: (z: Zod) =>
    hostnames(z).describe(
      'Host names the certificate covers, e.g. [vote.example.com, result.example.com]',
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
  namespace: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .default('voting')
      .describe('Namespace of the TLS Secret, created when missing'),
  secretName: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .default('cloudflare-origin-tls')
      .describe('The kubernetes.io/tls Secret that holds certificate and key'),
};

interface TlsSecret {
  data?: Record<string, string>;
}

/**
 * The certificate of those listed that the Secret holds with its private key: the one to keep.
 * Anything unreadable in the Secret means there is none (a new certificate replaces it).
 */
function heldWithKey(
  secret: TlsSecret | undefined,
  listed: OriginCertificate[],
): OriginCertificate | undefined {
  const crt = secret?.data?.['tls.crt'];
  const key = secret?.data?.['tls.key'];
  if (!crt || !key) return undefined;
  try {
    const held = new X509Certificate(Buffer.from(crt, 'base64'));
    if (!held.checkPrivateKey(createPrivateKey(Buffer.from(key, 'base64'))))
      return undefined;
    return listed.find(
      c =>
        new X509Certificate(c.certificate).fingerprint256 ===
        held.fingerprint256,
    );
  } catch {
    return undefined;
  }
}

/**
 * `cloudflare:origin-certificate:ensure`: an Origin CA certificate for the host names, kept with
 * its key in a `kubernetes.io/tls` Secret of the environment's cluster. A later task reuses it
 * while Cloudflare lists it as valid and the Secret still holds its key; otherwise a new key and
 * certificate replace the Secret's, and the certificates it replaces are revoked. The key is in
 * no output, log or checkpoint.
 *
 * @public
 */
export function createCloudflareOriginCertificateEnsureAction(
  options: CloudflareActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'cloudflare:origin-certificate:ensure',
    description:
      "Makes a kubernetes.io/tls Secret in a DigitalOcean Kubernetes cluster hold a valid Cloudflare Origin CA certificate for the given host names and its private key. Reuses the Secret's certificate while Cloudflare lists it as valid for those host names and the Secret holds its key; otherwise creates a certificate with a key made in the task, stores both in the Secret and revokes the certificates for those host names it replaces. No output or log carries the key.",
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
        expiresOn: z =>
          z.string().describe('Empty in a dry run when it would be created'),
        namespace: z => z.string(),
        secretName: z =>
          z.string().describe('The TLS Secret (for voting:stack:ensure)'),
        revoked: z =>
          z
            .array(z.string())
            .describe(
              'Ids of the certificates for these host names this run revoked (or would, in a dry run): those no Secret holds a key for',
            ),
        outcome: z => z.enum(ENSURE_OUTCOMES),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input);
      const { client, zoneId } = await zoneClient(options, ctx, i.zone);
      const hosts = i.hostnames.join(', ');
      const secretRef = `Secret ${i.namespace}/${i.secretName}`;
      // a cluster an earlier step would create holds no Secret yet
      const clusterToCreate = dryRunPlaceholders(ctx.isDryRun, {
        clusterId: i.clusterId,
      }).has('clusterId');
      let cluster: KubernetesConnection | undefined;
      if (!clusterToCreate) {
        ctx.logger.info(
          describeRead(
            ctx.isDryRun,
            `fetching the kubeconfig of cluster ${i.clusterId} from DigitalOcean`,
          ),
        );
        cluster = KubernetesConnection.fromKubeconfig(
          await getKubeconfig(
            createDigitalOceanClient({ config: options.config }, ctx),
            i.clusterId,
          ),
          { signal: ctx.signal },
        );
      }
      const secret = await cluster?.get<TlsSecret>(
        'v1',
        'Secret',
        i.secretName,
        i.namespace,
      );
      const requestType = i.keyType === 'ecdsa' ? 'origin-ecc' : 'origin-rsa';
      const listed = await listOriginCertificates(client, zoneId, i.hostnames);
      const held = heldWithKey(secret, listed);
      const kept = held?.requestType === requestType ? held : undefined;

      let certificate: { id: string; expiresOn: string } | undefined = kept;
      if (kept) {
        ctx.logger.info(
          describeChange(
            ctx.isDryRun,
            'reuse',
            `Origin CA certificate ${kept.id} for ${hosts} in ${secretRef}, valid until ${kept.expiresOn}`,
          ),
        );
      } else if (ctx.isDryRun || !cluster) {
        ctx.logger.info(
          describeChange(
            true,
            secret ? 'update' : 'create',
            `${secretRef}${
              clusterToCreate
                ? ` in ${describePlaceholder(
                    'Kubernetes cluster',
                    i.clusterId,
                  )}`
                : ''
            } with a new Origin CA certificate (${i.keyType}, ${
              i.validityDays
            } days) for ${hosts}`,
          ),
        );
      } else {
        const secretCluster = cluster;
        const created = await runCheckpoint(
          ctx,
          checkpointKey(
            'origin-certificate',
            'create',
            i.clusterId,
            i.namespace,
            i.secretName,
          ),
          async () => {
            const { csr, key } = await keyAndCsr(i.hostnames, i.keyType);
            const cert = await client.call(
              `create Origin CA certificate for ${hosts}`,
              () =>
                client.cf.originCACertificates.create({
                  csr,
                  hostnames: i.hostnames,
                  request_type: requestType,
                  requested_validity: i.validityDays,
                }),
            );
            if (!cert.id || !cert.certificate)
              throw new CloudflareError(
                'Cloudflare answered the certificate request without a certificate',
              );
            await secretCluster.apply(
              {
                apiVersion: 'v1',
                kind: 'Namespace',
                metadata: { name: i.namespace },
              },
              { fieldManager: FIELD_MANAGER },
            );
            await secretCluster.apply(
              {
                apiVersion: 'v1',
                kind: 'Secret',
                metadata: {
                  name: i.secretName,
                  namespace: i.namespace,
                  labels: { 'app.kubernetes.io/managed-by': 'backstage' },
                  annotations: { [CERTIFICATE_ID_ANNOTATION]: cert.id },
                },
                type: 'kubernetes.io/tls',
                data: {
                  'tls.crt': Buffer.from(cert.certificate).toString('base64'),
                  'tls.key': Buffer.from(key).toString('base64'),
                },
              },
              { fieldManager: FIELD_MANAGER },
            );
            // what a retried task needs: the id, never the key
            return { id: cert.id, expiresOn: cert.expires_on ?? '' };
          },
        );
        certificate = created.value;
        const change = secret ? 'update' : 'create';
        if (
          !created.ranNow &&
          (
            await secretCluster.get<any>(
              'v1',
              'Secret',
              i.secretName,
              i.namespace,
            )
          )?.metadata?.annotations?.[CERTIFICATE_ID_ANNOTATION] !==
            certificate.id
        )
          // the key went with it, and the checkpoint cannot run again in this task
          throw new ConflictError(
            `${secretRef}, which an earlier attempt of this task stored, is gone: run the template again (a new task) to issue a new certificate`,
          );
        ctx.logger.info(
          describeChange(
            false,
            // a retried task: an earlier attempt stored it
            created.ranNow ? change : 'reuse',
            `${secretRef} with Origin CA certificate ${certificate.id} for ${hosts}, valid until ${certificate.expiresOn}`,
          ),
        );
      }

      // the certificates for these host names whose key no Secret holds: of no use, revoked
      const replaced = listed
        .map(c => c.id)
        .filter(id => id !== certificate?.id);
      for (const id of replaced) {
        if (!ctx.isDryRun)
          await ctx.checkpoint({
            key: checkpointKey('origin-certificate', 'delete', id),
            fn: () => revokeOriginCertificate(client, id),
          });
        ctx.logger.info(
          `${
            ctx.isDryRun ? 'Dry run: would revoke' : 'Revoked'
          } Origin CA certificate ${id} for ${hosts}: ${secretRef} does not hold its key`,
        );
      }

      let outcome: (typeof ENSURE_OUTCOMES)[number] = 'unchanged';
      if (!kept)
        outcome = outcomeOf(ctx.isDryRun, secret ? 'update' : 'create');
      else if (replaced.length) outcome = outcomeOf(ctx.isDryRun, 'update');
      ctx.output(
        'certificateId',
        certificate?.id ?? dryRunId('origin-certificate', i.hostnames[0]!),
      );
      ctx.output('hostnames', i.hostnames);
      ctx.output('expiresOn', certificate?.expiresOn ?? '');
      ctx.output('namespace', i.namespace);
      ctx.output('secretName', i.secretName);
      ctx.output('revoked', replaced);
      ctx.output('outcome', outcome);
    },
  });
}
