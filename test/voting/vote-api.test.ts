import assert from 'node:assert/strict';
import { appProcess, stackEnv, type AppProcess } from '../support/apps.js';
import { Voter } from '../support/http.js';
import { queuedEntries } from '../support/queues.js';
import {
  createDatabase,
  startNats,
  startRedis,
  type TestServer,
} from '../support/servers.js';
import { sleep } from '@voting-platform/timing';

for (const backend of ['redis', 'nats'] as const) {
  describe(`vote API on ${backend}`, () => {
    let queue: TestServer;
    let database: Awaited<ReturnType<typeof createDatabase>>;
    let vote: AppProcess;
    let worker: AppProcess;
    const stream = `votes_${backend}`;
    const queued = () => queuedEntries(backend, queue.url, stream);

    beforeAll(async () => {
      queue = backend === 'redis' ? await startRedis() : await startNats();
      database = await createDatabase();
      const env = stackEnv({
        postgresUrl: database.url,
        backend,
        stream,
        [`${backend}Url`]: queue.url,
      });
      // The worker builds the store's voters' records (none yet) and marks it complete; it is
      // stopped before the tests so that the queue keeps what they put in.
      worker = await appProcess('worker', env);
      await worker.start();
      await worker.stop();
      vote = await appProcess('vote', env);
      await vote.start();
    });

    afterAll(async () => {
      await vote?.stop();
      await worker?.stop();
      await queue?.destroy();
      await database?.drop();
    });

    it('accepts a first vote and refuses a later one with the first choice', async () => {
      const voter = new Voter(vote.url);
      const first = await voter.vote('a');
      assert.equal(first.status, 202);
      assert.deepEqual(await first.json(), { status: 'accepted', option: 'a' });
      const cookie = first.headers
        .getSetCookie()
        .find(c => c.startsWith('voter='));
      assert.ok(cookie, 'the first response sets the voter cookie');
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.doesNotMatch(cookie, /Secure/i, 'no Secure flag over plain HTTP');

      const second = await voter.vote('b');
      assert.equal(second.status, 409);
      assert.deepEqual(await second.json(), {
        status: 'already-voted',
        option: 'a',
      });

      const state = await voter.request('/api/vote');
      assert.deepEqual(await state.json(), {
        poll: 'default',
        voted: true,
        option: 'a',
      });
    });

    it('counts exactly one vote from 100 concurrent submissions with the same cookie', async () => {
      const voter = new Voter(vote.url);
      await voter.request('/api/vote'); // obtains a voter cookie without voting
      const queuedBefore = await queued();
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) => voter.vote(i % 2 ? 'a' : 'b')),
      );
      const bodies = (await Promise.all(
        responses.map(r => r.json()),
      )) as Array<{ option: string }>;
      const statuses = responses.map(r => r.status);
      assert.equal(statuses.filter(s => s === 202).length, 1);
      assert.equal(statuses.filter(s => s === 409).length, 99);
      const winner = bodies[statuses.indexOf(202)]?.option;
      assert.ok(
        bodies.every(b => b.option === winner),
        'every refusal names the one vote that counted',
      );
      assert.equal(
        (await queued()) - queuedBefore,
        1,
        'exactly one entry was queued',
      );
    });

    it('answers bad input with the documented status and queues nothing', async () => {
      const voter = new Voter(vote.url);
      await voter.request('/api/vote');
      const queuedBefore = await queued();
      const post = (body: string | undefined, contentType?: string) =>
        voter.request('/api/vote', {
          method: 'POST',
          body,
          headers: contentType ? { 'content-type': contentType } : {},
        });

      const cases: Array<[string, Promise<Response>, number, RegExp]> = [
        ['unknown option', voter.vote('c'), 400, /unknown option "c"/],
        ['option of the wrong type', voter.vote(1), 400, /unknown option 1/],
        [
          'missing option',
          post('{}', 'application/json'),
          400,
          /"option" is required/,
        ],
        ['missing body', post(undefined, 'application/json'), 400, /empty/i],
        ['not JSON', post('option=a', 'application/json'), 400, /JSON/],
        [
          'an array',
          post('["a"]', 'application/json'),
          400,
          /must be an object/,
        ],
        [
          'wrong content type',
          post('{"option":"a"}', 'text/plain'),
          415,
          /application\/json/,
        ],
        [
          'a form post to the JSON API',
          post('option=a', 'application/x-www-form-urlencoded'),
          415,
          /application\/json/,
        ],
        [
          'oversized body',
          post(
            JSON.stringify({ option: 'a', pad: 'x'.repeat(4096) }),
            'application/json',
          ),
          413,
          /too large/i,
        ],
      ];
      for (const [name, pending, status, message] of cases) {
        const response = await pending;
        assert.equal(response.status, status, name);
        const body = (await response.json()) as {
          status: string;
          error: string;
        };
        assert.equal(body.status, 'error', name);
        assert.match(body.error, message, name);
      }
      assert.equal(await queued(), queuedBefore, 'nothing was queued');
      assert.deepEqual(await (await voter.request('/api/vote')).json(), {
        poll: 'default',
        voted: false,
        option: null,
      });
    });

    it("gives a tampered or malformed cookie a fresh voter id, never another voter's vote", async () => {
      const victim = new Voter(vote.url);
      assert.equal((await victim.vote('a')).status, 202);
      const signed = victim.cookies.get('voter')!;
      const victimId = decodeURIComponent(signed).split('.')[0]!;

      for (const forged of [
        `${victimId}`,
        `${victimId}.forgedsignature`,
        encodeURIComponent(
          `${'0'.repeat(32)}.${decodeURIComponent(signed).split('.')[1]}`,
        ),
        'garbage%%%',
      ]) {
        const attacker = new Voter(vote.url);
        attacker.cookies.set('voter', forged);
        const state = await attacker.request('/api/vote');
        assert.equal(state.status, 200, 'a bad cookie is never an error');
        assert.deepEqual(
          await state.json(),
          { poll: 'default', voted: false, option: null },
          `forged ${forged} reads nothing`,
        );
        assert.notEqual(
          decodeURIComponent(attacker.cookies.get('voter')!).split('.')[0],
          victimId,
          'a fresh id is issued',
        );
      }
      const victimState = (await (
        await victim.request('/api/vote')
      ).json()) as { option: string };
      assert.equal(victimState.option, 'a', 'the real voter keeps its vote');
    });

    it('serves the page without JavaScript, with CSRF protection and security headers', async () => {
      const voter = new Voter(vote.url);
      const page = await voter.request('/');
      assert.equal(page.status, 200);
      assert.match(
        page.headers.get('content-security-policy') ?? '',
        /script-src 'none'/,
      );
      assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
      const html = await page.text();
      assert.match(
        html,
        /<button type="submit" name="option" value="a"[^>]*>Cats<\/button>/,
      );
      assert.match(html, /You have not voted yet/);
      const token = html.match(/name="_csrf" value="([^"]+)"/)![1]!;

      const form = (body: string) =>
        voter.request('/vote', {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
      const queuedBefore = await queued();
      assert.equal(
        (await form('option=a')).status,
        403,
        'a form post without the CSRF token is refused',
      );
      assert.equal(
        (await form(`option=a&_csrf=wrong${token}`)).status,
        403,
        'a wrong token is refused',
      );
      assert.equal(await queued(), queuedBefore, 'refused posts queue nothing');

      const accepted = await form(
        `option=b&_csrf=${encodeURIComponent(token)}`,
      );
      assert.equal(accepted.status, 303);
      assert.equal(accepted.headers.get('location'), '/?outcome=accepted');
      assert.match(
        await (await voter.request('/?outcome=accepted')).text(),
        /your vote for <strong>Dogs<\/strong> was counted/,
      );

      const again = await form(`option=a&_csrf=${encodeURIComponent(token)}`);
      assert.equal(again.headers.get('location'), '/?outcome=already-voted');
      assert.match(
        await (await voter.request('/?outcome=already-voted')).text(),
        /You already voted for <strong>Dogs<\/strong>/,
      );
    });

    it(`answers 503 and takes nothing while ${backend} is down, and recovers by itself`, async () => {
      const voter = new Voter(vote.url);
      await voter.request('/api/vote');
      await queue.stop();
      const down = await voter.vote('a');
      assert.equal(down.status, 503);
      assert.deepEqual(await down.json(), {
        status: 'unavailable',
        error: 'the vote queue is unavailable; try again shortly',
      });
      assert.equal((await fetch(`${vote.url}/readyz`)).status, 503);

      await queue.start();
      let recovered: Response | undefined;
      for (let i = 0; i < 100 && recovered?.status !== 202; i++) {
        await sleep(100);
        recovered = await voter.vote('b');
        assert.ok(
          [202, 503].includes(recovered.status),
          `unexpected ${recovered.status}`,
        );
      }
      assert.equal(
        recovered?.status,
        202,
        'the same voter can vote once the queue is back',
      );
      assert.equal((await fetch(`${vote.url}/readyz`)).status, 200);
    });
  });
}

describe('vote API behind a TLS-terminating proxy', () => {
  it('marks the voter cookie Secure when the proxy says the request came over HTTPS', async () => {
    const queue = await startRedis();
    const database = await createDatabase();
    const env = stackEnv({
      postgresUrl: database.url,
      redisUrl: queue.url,
      extraEnv: { TRUST_PROXY: 'true' },
    });
    const worker = await appProcess('worker', env);
    const vote = await appProcess('vote', env);
    try {
      await worker.start();
      await vote.start();
      const overHttps = await new Voter(vote.url).vote('a', {
        headers: {
          'content-type': 'application/json',
          'x-forwarded-proto': 'https',
        },
      });
      assert.equal(overHttps.status, 202);
      assert.match(
        overHttps.headers.getSetCookie().find(c => c.startsWith('voter='))!,
        /; Secure/,
      );
      const overHttp = await new Voter(vote.url).vote('a');
      assert.doesNotMatch(
        overHttp.headers.getSetCookie().find(c => c.startsWith('voter='))!,
        /Secure/,
      );
    } finally {
      await vote.stop();
      await worker.stop();
      await queue.destroy();
      await database.drop();
    }
  });
});
