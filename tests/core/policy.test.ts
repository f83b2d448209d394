import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, judgeEvidence, type Evidence } from '../../src/core/policy.js';

const strong: Evidence = {
  coverage: 0.6,
  held: 3,
  name: true,
  asked: 4,
  namesMissed: 0,
  articleCoverage: 0.8,
  articleNamesMissed: 0,
  unknownWords: 0,
  unknownNames: 0,
  absentOutlets: 0,
  knownOutlets: 0,
};

describe('answer policy', () => {
  it('answers when the best result holds enough of the question', () => {
    expect(judgeEvidence(strong)).toBeNull();
    expect(judgeEvidence({ ...strong, coverage: DEFAULT_POLICY.minCoverage, held: 1, name: false })).toBeNull();
  });

  it('refuses a match weaker than the minimum coverage', () => {
    expect(judgeEvidence({ ...strong, coverage: DEFAULT_POLICY.minCoverage - 0.01 })).toBe('weak-match');
  });

  it('answers a weak match whose article holds a quoted phrase of several words as written', () => {
    const weak = { ...strong, coverage: DEFAULT_POLICY.minCoverage - 0.01 };
    expect(judgeEvidence({ ...weak, quotedHeld: true })).toBeNull();
    expect(judgeEvidence({ ...weak, quotedHeld: false })).toBe('weak-match');
  });

  it('refuses an unknown name unless the rest of the question is well answered', () => {
    expect(judgeEvidence({ ...strong, coverage: 0.3, unknownWords: 1, unknownNames: 1 })).toBe('unknown-name');
    expect(judgeEvidence({ ...strong, coverage: 0.5, unknownWords: 1, unknownNames: 1 })).toBeNull();
  });

  it('refuses an outlet the archive holds nothing from, unless it holds another outlet named', () => {
    expect(judgeEvidence({ ...strong, coverage: 0.3, absentOutlets: 1 })).toBe('unknown-outlet');
    expect(judgeEvidence({ ...strong, coverage: 0.3, absentOutlets: 1, knownOutlets: 1 })).toBeNull();
  });

  it('refuses a question of mostly unseen words of which one common word is held, but not one that holds a known name', () => {
    const offTopic = { ...strong, coverage: 0.3, held: 1, name: false, unknownWords: 2 };
    expect(judgeEvidence(offTopic)).toBe('weak-match');
    expect(judgeEvidence({ ...offTopic, name: true })).toBeNull();
    expect(judgeEvidence({ ...offTopic, held: 2 })).toBeNull();
    expect(judgeEvidence({ ...offTopic, unknownWords: 1 })).toBeNull();
  });

  it('refuses a short question whose best result misses a name asked and holds little of it', () => {
    expect(judgeEvidence({ ...strong, coverage: 0.35, namesMissed: 1 })).toBe('weak-match');
    expect(judgeEvidence({ ...strong, coverage: 0.45, namesMissed: 1 })).toBeNull();
    expect(judgeEvidence({ ...strong, coverage: 0.35, namesMissed: 1, asked: 9 })).toBeNull();
    expect(judgeEvidence({ ...strong, coverage: 0.35 })).toBeNull();
  });

  it('refuses a short question naming something its best article nowhere holds, unless that article holds most of it', () => {
    const elsewhere = { ...strong, asked: 5, articleCoverage: 0.5, articleNamesMissed: 1 };
    expect(judgeEvidence(elsewhere)).toBe('weak-match');
    expect(judgeEvidence({ ...elsewhere, asked: 9 })).toBeNull();
    expect(judgeEvidence({ ...elsewhere, articleCoverage: DEFAULT_POLICY.articleNameCoverage })).toBeNull();
    expect(judgeEvidence({ ...elsewhere, articleNamesMissed: 0 })).toBeNull();
  });

  it('takes its thresholds from the policy it is given', () => {
    expect(judgeEvidence({ ...strong, coverage: 0.3 }, { ...DEFAULT_POLICY, minCoverage: 0.4 })).toBe('weak-match');
  });
});
