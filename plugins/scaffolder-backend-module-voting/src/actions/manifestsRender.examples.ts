import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Render the stack for vote.example.com and result.example.com, with NATS as the queue',
    example: stringify({
      steps: [
        {
          id: 'manifests',
          action: 'voting:manifests:render',
          input: {
            namespace: 'voting',
            imageRepository: 'registry.digitalocean.com/acme',
            imageTag: '1.0.0',
            domain: 'example.com',
            queue: 'nats',
          },
        },
      ],
    }),
  },
];
