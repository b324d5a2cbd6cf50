import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { pollResultsFixture } from '@voting-platform/plugin-voting-common/testUtils';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVotingResultsReadAction } from './resultsRead';

describe('voting:results:read examples', () => {
  // a result service as the deploy step's resultUrl names it: the results API on a real HTTP server
  let server: Server;
  let resultUrl: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/api/results')
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(pollResultsFixture()));
      else res.writeHead(404).end();
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    resultUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise(resolve => server.close(resolve)));

  it("read the deployed result service's tallies, in a dry run too", async () => {
    const results = await runExamples(createVotingResultsReadAction(), {
      values: { 'steps.deploy.output.resultUrl': resultUrl },
    });
    expect(results).toHaveLength(1);
    for (const { real, dry } of results) {
      expect(real.outputs).toEqual(pollResultsFixture());
      expect(dry.outputs).toEqual(real.outputs);
    }
  });
});
