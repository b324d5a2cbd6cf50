import { DNS_LABEL } from './names';

describe('DNS_LABEL', () => {
  it('accepts RFC 1123 labels up to 63 characters and nothing else', () => {
    for (const ok of [
      'voting',
      'a',
      'kube-prometheus-stack',
      'x'.repeat(63),
      'a1-b2',
    ])
      expect(DNS_LABEL.test(ok)).toBe(true);
    for (const bad of [
      '',
      'Voting',
      '-voting',
      'voting-',
      'vo_ting',
      'vo.ting',
      'x'.repeat(64),
    ])
      expect(DNS_LABEL.test(bad)).toBe(false);
  });
});
