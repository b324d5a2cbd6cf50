import {
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import { BuiltinKindsEntityProcessor } from '@backstage/plugin-catalog-backend';
import type { CatalogProcessorResult } from '@backstage/plugin-catalog-node';
import {
  REGION_LABEL,
  RESULT_URL_ANNOTATION,
  VOTE_URL_ANNOTATION,
} from '@voting-platform/plugin-voting-common';
import { votingEnvironmentFixture } from '@voting-platform/plugin-voting-common/testUtils';
import { environmentEntities, environmentEntityRefs } from './entities';

const environment = votingEnvironmentFixture();
const location = 'url:http://localhost:7007/api/voting/environments/demo';

describe('the entities of an environment', () => {
  const entities = environmentEntities(environment, location);
  const byRef = new Map(entities.map(e => [stringifyEntityRef(e), e]));

  it('validate with @backstage/catalog-model and carry the location annotations', async () => {
    const policy = EntityPolicies.allOf([
      new DefaultNamespaceEntityPolicy(),
      new NoForeignRootFieldsEntityPolicy(),
      new FieldFormatEntityPolicy(),
      new SchemaValidEntityPolicy(),
    ]);
    for (const entity of entities) {
      const enforced = await policy.enforce(structuredClone(entity));
      expect(enforced).toBeDefined();
      const valid = await Promise.all(
        [componentEntityV1alpha1Validator, resourceEntityV1alpha1Validator].map(
          v => v.check(enforced!),
        ),
      );
      expect(valid).toContain(true);
      expect(entity.metadata.annotations).toMatchObject({
        'backstage.io/managed-by-location': location,
        'backstage.io/managed-by-origin-location': location,
      });
    }
    expect([...byRef.keys()].sort()).toEqual(
      environmentEntityRefs('demo').sort(),
    );
  });

  it('make a Component the "Live votes" card shows, owned by the team, in the voting-platform System, depending on the cluster, the database and the DNS records', async () => {
    const component = byRef.get('component:voting-environments/demo')!;
    expect(component.metadata.annotations).toMatchObject({
      [RESULT_URL_ANNOTATION]: environment.resultUrl,
      [VOTE_URL_ANNOTATION]: environment.voteUrl,
      // so that whoever wrote the record can tell the catalog serves that write
      'voting-platform.io/environment-updated-at': environment.updatedAt,
    });
    expect(component.metadata.links?.map(l => l.url)).toEqual([
      environment.voteUrl,
      environment.resultUrl,
      environment.grafanaUrl,
    ]);

    // the relations as the catalog's own processor emits them
    const processor = new BuiltinKindsEntityProcessor();
    const relations = async (entity: Entity) => {
      const emitted: CatalogProcessorResult[] = [];
      await processor.postProcessEntity(
        entity,
        { type: 'url', target: location },
        result => emitted.push(result),
      );
      return emitted.flatMap(r =>
        r.type === 'relation' &&
        stringifyEntityRef(r.relation.source) === stringifyEntityRef(entity)
          ? [`${r.relation.type} ${stringifyEntityRef(r.relation.target)}`]
          : [],
      );
    };
    expect((await relations(component)).sort()).toEqual(
      [
        'dependsOn resource:voting-environments/demo-cluster',
        'dependsOn resource:voting-environments/demo-database',
        'dependsOn resource:voting-environments/demo-dns-result',
        'dependsOn resource:voting-environments/demo-dns-vote',
        'ownedBy group:default/team-a',
        'partOf system:default/voting-platform',
      ].sort(),
    );
    for (const ref of environmentEntityRefs('demo').slice(1)) {
      const resource = byRef.get(ref)!;
      expect(await relations(resource)).toEqual(
        expect.arrayContaining([
          'ownedBy group:default/team-a',
          'partOf system:default/voting-platform',
        ]),
      );
    }
    expect(
      byRef.get('resource:voting-environments/demo-cluster'),
    ).toMatchObject({
      spec: { type: 'kubernetes-cluster' },
      metadata: {
        annotations: {
          'voting-platform.io/digitalocean-id': environment.clusterId,
        },
      },
    });
    expect(
      byRef.get('resource:voting-environments/demo-dns-vote')!.metadata.title,
    ).toBe('vote.demo.example.com');
  });

  it('leave Grafana out when the environment has none', () => {
    const [component] = environmentEntities(
      { ...environment, grafanaUrl: null },
      location,
    );
    expect(component!.metadata.links?.map(l => l.title)).toEqual([
      'Vote app',
      'Result app',
    ]);
  });

  it('carry the region as a label, for the environments page to filter by, when it was recorded', async () => {
    for (const entity of entities)
      expect(entity.metadata.labels).toEqual({ [REGION_LABEL]: 'nyc1' });
    // a label value the catalog accepts
    await expect(
      new FieldFormatEntityPolicy().enforce(structuredClone(entities[0]!)),
    ).resolves.toBeDefined();
    const unrecorded = environmentEntities(
      { ...environment, region: null },
      location,
    );
    for (const entity of unrecorded)
      expect(entity.metadata.labels).toBeUndefined();
  });
});
