import {
  KubernetesError,
  ref,
  type KubeObject,
  type KubernetesConnection,
} from './KubernetesConnection';

/** The server's message without the request prefix. */
const serverMessage = (err: KubernetesError) =>
  err.message.replace(/^dry-run apply [^:]+: /, '');

/** @public */
export interface ServerCheck {
  /** What the API server refused, one line per object: `Kind/namespace/name: message`. */
  problems: string[];
  /**
   * Objects in a namespace that does not exist yet but is one of the objects: the server checked
   * their fields but could not run them through admission. Check them again once their
   * Namespace exists (before applying them).
   */
  deferred: KubeObject[];
}

/**
 * The API server's own check of objects before anything is applied: a server-side apply with
 * `dryRun=All` and `fieldValidation=Strict` of each, so unknown fields, schemas (CRDs' included),
 * CEL rules and admission are all checked by the real server and nothing is stored.
 *
 * @public
 */
export async function checkWithServer(
  connection: KubernetesConnection,
  objects: KubeObject[],
  fieldManager: string,
): Promise<ServerCheck> {
  const newNamespaces = new Set(
    objects
      .filter(o => o.kind === 'Namespace' && o.apiVersion === 'v1')
      .map(o => o.metadata.name),
  );
  const problems: { obj: KubeObject; message: string }[] = [];
  const deferred: KubeObject[] = [];
  await Promise.all(
    objects.map(async obj => {
      try {
        await connection.apply(obj, { fieldManager, dryRun: true });
      } catch (err) {
        const missingNamespace =
          err instanceof KubernetesError &&
          err.status === 404 &&
          err.detailsKind === 'namespaces' &&
          newNamespaces.has(obj.metadata.namespace ?? '');
        if (missingNamespace) deferred.push(obj);
        else
          problems.push({
            obj,
            message:
              err instanceof KubernetesError
                ? serverMessage(err)
                : (err as Error).message,
          });
      }
    }),
  );
  // in the order of the objects
  const order = new Map(objects.map((o, i) => [o, i]));
  const byOrder = (a: KubeObject, b: KubeObject) =>
    order.get(a)! - order.get(b)!;
  return {
    problems: problems
      .sort((a, b) => byOrder(a.obj, b.obj))
      .map(p => `${ref(p.obj)}: ${p.message}`),
    deferred: deferred.sort(byOrder),
  };
}
