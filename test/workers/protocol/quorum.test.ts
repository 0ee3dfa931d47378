import { describe, expect, it } from 'vitest';
import { majority, tally } from '../../../workers/protocol/index.js';

describe('majority and tally', () => {
  it.each([
    [1, 1],
    [3, 2],
    [5, 3],
  ])('majority of %i voters is %i', (voters, needed) => {
    expect(majority(voters)).toBe(needed);
  });

  it.each([
    // voters, yes, no, verdict
    [1, 1, 0, 'won'],
    [1, 0, 1, 'lost'],
    [3, 1, 0, 'pending'],
    [3, 2, 0, 'won'],
    [3, 1, 1, 'pending'],
    [3, 0, 2, 'lost'],
    [3, 1, 2, 'lost'],
    [5, 2, 2, 'pending'],
    [5, 3, 2, 'won'],
    [5, 2, 3, 'lost'],
  ] as const)('%i voters, %i yes, %i no: %s', (voters, yes, no, verdict) => {
    expect(tally(voters, yes, no)).toBe(verdict);
  });
});
