import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Read the tallies of the result service deployed by an earlier step (a smoke test at the end of a template)',
    example: stringify({
      steps: [
        {
          id: 'results',
          action: 'voting:results:read',
          input: {
            resultUrl: '${{ steps.deploy.output.resultUrl }}',
            timeoutMs: 10000,
          },
        },
      ],
    }),
  },
];
