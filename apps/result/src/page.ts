import {
  BASE_CSS,
  escapeHtml,
  htmlDocument,
  type PollResults,
} from '@voting-platform/core';

export function summaryText(results: PollResults): string {
  return results.total === 0
    ? 'No votes yet'
    : `${results.total} ${results.total === 1 ? 'vote' : 'votes'}`;
}

/** The results page with the current figures in place; /static/result.js keeps them live. */
export function renderResultPage(results: PollResults): string {
  const rows = results.options
    .map(
      o => `
      <div class="row" data-option="${o.id}">
        <span class="label">${escapeHtml(o.label)}</span>
        <span class="bar" role="meter" aria-label="${escapeHtml(
          o.label,
        )}" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${o.percent}">
          <span class="fill option-${o.id}" style="width:${o.percent}%"></span>
        </span>
        <span class="figures"><span class="percent">${
          o.percent
        }%</span> (<span class="votes">${o.votes}</span>)</span>
      </div>`,
    )
    .join('');
  return htmlDocument({
    title: `${results.question} · Results`,
    head: '<link rel="stylesheet" href="/static/result.css">',
    body: `  <main>
    <h1>${escapeHtml(results.question)}</h1>
    <section aria-live="polite">${rows}
      <p id="total">${summaryText(results)}</p>
    </section>
    <p id="connection" class="muted">Live</p>
  </main>
  <script src="/socket.io/socket.io.min.js"></script>
  <script src="/static/result.js"></script>`,
  });
}

export const RESULT_CSS = `${BASE_CSS}
main { max-width: 40rem; margin: 3rem auto; padding: 0 1rem; }
.row { display: grid; grid-template-columns: 8rem 1fr 8rem; gap: 1rem; align-items: center; margin: 1rem 0; }
.label { font-weight: 600; }
.bar { display: block; height: 2rem; background: #e2e8f0; border-radius: .25rem; overflow: hidden; }
.fill { display: block; height: 100%; transition: width .3s; }
.figures { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #475569; font-size: .875rem; }
`;

/** Browser script: applies every pushed result to the page. Plain DOM, no framework. */
export const RESULT_JS = `
(function () {
  var connection = document.getElementById('connection');
  var socket = io({ transports: ['websocket', 'polling'] });
  socket.on('connect', function () { connection.textContent = 'Live'; });
  socket.on('disconnect', function () { connection.textContent = 'Reconnecting…'; });
  socket.on('results', function (results) {
    results.options.forEach(function (option) {
      var row = document.querySelector('[data-option="' + option.id + '"]');
      if (!row) return;
      row.querySelector('.fill').style.width = option.percent + '%';
      row.querySelector('.bar').setAttribute('aria-valuenow', String(option.percent));
      row.querySelector('.percent').textContent = option.percent + '%';
      row.querySelector('.votes').textContent = String(option.votes);
    });
    document.getElementById('total').textContent =
      results.total === 0 ? 'No votes yet' : results.total + (results.total === 1 ? ' vote' : ' votes');
  });
})();
`;
