import { checkpointKey } from './checkpoint';
import { describeChange, describeRead, dryRunId, outcomeOf } from './dryRun';

describe('the dialect helpers', () => {
  it('make checkpoint keys <resource>.<verb>.<name>, and refuse malformed ones', () => {
    expect(checkpointKey('vpc', 'create', 'voting-prod')).toBe(
      'vpc.create.voting-prod',
    );
    expect(
      checkpointKey('dns-record', 'create', 'zone1', 'A', 'vote.example.com'),
    ).toBe('dns-record.create.zone1.A.vote.example.com');
    expect(() => checkpointKey('Cluster', 'create', 'x')).toThrow(/lowercase/);
    expect(() => checkpointKey('vpc', 'create.now', 'x')).toThrow(/lowercase/);
    expect(() => checkpointKey('vpc', 'create')).toThrow(/non-empty/);
    expect(() => checkpointKey('vpc', 'create', '')).toThrow(/non-empty/);
  });

  it('word dry runs as "would", and real runs in the past tense', () => {
    expect(outcomeOf(true, 'create')).toBe('would-create');
    expect(outcomeOf(false, 'update')).toBe('updated');
    expect(outcomeOf(false, 'delete')).toBe('deleted');
    expect(describeChange(true, 'create', 'VPC "x" in nyc1')).toBe(
      'Dry run: would create VPC "x" in nyc1',
    );
    expect(describeChange(false, 'create', 'VPC "x" in nyc1')).toBe(
      'Created VPC "x" in nyc1',
    );
    expect(describeChange(false, 'reuse', 'VPC "x"')).toBe('Reusing VPC "x"');
    expect(describeRead(true, 'No records of x: nothing to delete')).toBe(
      'Dry run: No records of x: nothing to delete',
    );
    expect(describeRead(false, 'nothing')).toBe('nothing');
    expect(dryRunId('vpc', 'voting')).toBe('dry-run-vpc-voting');
  });
});
