const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, char => ESCAPES[char]!);
}

/** Look shared by the vote and result pages; the option colours keep 4.5:1 contrast with white. */
export const BASE_CSS = `
body { font: 1.125rem/1.5 system-ui, sans-serif; margin: 0; background: #f8fafc; color: #0f172a; }
a { color: #1d4ed8; }
.option-a { background: #1d4ed8; }
.option-b { background: #b91c1c; }
`;

/** A complete HTML document; `title` is text, `head` and `body` are markup. */
export function htmlDocument({
  title,
  head = '',
  body,
}: {
  title: string;
  head?: string;
  body: string;
}): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" href="data:,">
  <title>${escapeHtml(title)}</title>
  ${head}
</head>
<body>
${body}
</body>
</html>
`;
}
