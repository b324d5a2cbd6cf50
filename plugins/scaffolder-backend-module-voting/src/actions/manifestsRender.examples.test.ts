import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { createVotingManifestsRenderAction } from './manifestsRender';

describe('voting:manifests:render examples', () => {
  it('run into a workspace: the file holds what the outputs list, in a dry run too', async () => {
    const workspacePath = await mkdtemp(join(tmpdir(), 'render-examples-'));
    try {
      const results = await runExamples(createVotingManifestsRenderAction(), {
        workspacePath,
      });
      expect(results).toHaveLength(1);
      for (const { real, dry } of results) {
        expect(dry.outputs).toEqual(real.outputs);
        const text = await readFile(
          join(workspacePath, real.outputs.manifestPath),
          'utf8',
        );
        const docs = parseAllDocuments(text).map(d => d.toJS());
        expect(docs.map(d => `${d.kind}/${d.metadata.name}`)).toEqual(
          real.outputs.objects,
        );
        expect(real.outputs.objects).toEqual(
          expect.arrayContaining(['StatefulSet/nats', 'Ingress/voting']),
        );
      }
    } finally {
      await rm(workspacePath, { recursive: true, force: true });
    }
  });
});
