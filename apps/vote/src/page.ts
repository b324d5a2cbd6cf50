import {
  BASE_CSS,
  escapeHtml,
  htmlDocument,
  optionLabel,
  type OptionId,
  type Poll,
} from '@voting-platform/core';

export type PageNotice =
  | 'accepted'
  | 'already-voted'
  | 'unavailable'
  | 'invalid'
  | undefined;

export interface VotePageModel {
  poll: Poll;
  csrfToken: string;
  /** The option this client chose, if it has voted. */
  choice: OptionId | null;
  notice: PageNotice;
  resultUrl?: string;
}

function statusText({ poll, choice, notice }: VotePageModel): string {
  if (notice === 'unavailable')
    return 'Voting is unavailable right now. Your vote was not recorded; please try again shortly.';
  if (notice === 'invalid')
    return 'That was not one of the options. Please choose one of the buttons.';
  if (!choice) return 'You have not voted yet. Each person votes once.';
  const label = escapeHtml(optionLabel(poll, choice));
  if (notice === 'accepted')
    return `Thank you: your vote for <strong>${label}</strong> was counted.`;
  if (notice === 'already-voted')
    return `You already voted for <strong>${label}</strong>. Each person votes once, so your first vote stands.`;
  return `You voted for <strong>${label}</strong>.`;
}

/** The whole page, server-rendered: it works without JavaScript. */
export function renderVotePage(model: VotePageModel): string {
  const { poll, csrfToken, choice, resultUrl } = model;
  const question = escapeHtml(poll.question);
  const buttons = poll.options
    .map(
      o =>
        `<button type="submit" name="option" value="${
          o.id
        }" class="option option-${o.id}"${
          choice === o.id ? ' aria-describedby="status"' : ''
        }>${escapeHtml(o.label)}</button>`,
    )
    .join('\n        ');
  const results = resultUrl
    ? `<p><a href="${escapeHtml(resultUrl)}">See the live results</a></p>`
    : '';
  return htmlDocument({
    title: `${poll.question} · Vote`,
    head: `<style>${BASE_CSS}
    main { max-width: 36rem; margin: 3rem auto; padding: 0 1rem; text-align: center; }
    fieldset { border: 0; padding: 0; margin: 2rem 0; display: flex; gap: 1rem; justify-content: center; }
    legend { font-weight: 600; margin-bottom: 1rem; }
    .option { font: inherit; font-size: 1.5rem; min-width: 10rem; padding: 1rem 1.5rem; border: 0; border-radius: .5rem; color: #fff; cursor: pointer; }
    .option:focus-visible { outline: 3px solid #0f172a; outline-offset: 3px; }
    #status { min-height: 3rem; }
  </style>`,
    body: `  <main>
    <h1>${question}</h1>
    <form method="post" action="/vote">
      <input type="hidden" name="_csrf" value="${escapeHtml(csrfToken)}">
      <fieldset>
        <legend>Choose one option</legend>
        ${buttons}
      </fieldset>
    </form>
    <p id="status" role="status">${statusText(model)}</p>
    ${results}
  </main>`,
  });
}
