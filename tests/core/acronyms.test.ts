import { describe, expect, it } from 'vitest';
import { isAcronym, spelledOut } from '../../src/core/acronyms.js';
import { answerQuestion } from '../../src/core/answer.js';
import { buildAliasTable } from '../../src/core/aliases.js';
import { NewsIndex } from '../../src/core/search.js';
import { GENERAL_ALIASES } from '../../src/generalAliases.js';
import { article } from './articles.js';

describe('spelledOut', () => {
  it('finds the capitalised words whose initials spell an acronym, a run of initials giving each letter', () => {
    const text = 'Haiti was calm on Monday, the U.S. Coast Guard said. The Federal Bureau of Investigation agreed.';
    expect(spelledOut('USCG', text)).toBe('U.S. Coast Guard');
    expect(spelledOut('FBI', text)).toBe('Federal Bureau of Investigation');
    expect(spelledOut('DOD', 'The Department of Defense said.')).toBe('Department of Defense');
  });

  it('finds nothing where no run of capitalised words spells it, or where the text only repeats its letters', () => {
    expect(spelledOut('USCG', 'The coast guard said the US Coast was calm.')).toBeUndefined();
    expect(spelledOut('USCG', 'The USCG said so.')).toBeUndefined();
    expect(spelledOut('Coast', 'Coast Guard')).toBeUndefined();
  });

  it('reads two to six capitals as an acronym, and a capitalised word as none', () => {
    expect(['USCG', 'U.N.', 'HBO'].every(isAcronym)).toBe(true);
    expect(['Haiti', 'usa', 'A', 'ABCDEFG'].some(isAcronym)).toBe(false);
  });
});

describe('an acronym the archive only writes out', () => {
  const index = NewsIndex.build(
    [
      article('haiti', 'Calm seas off Haiti', [
        'The U.S. Coast Guard said it has seen only normal maritime traffic around Haiti since the earthquake.',
      ]),
      article('aid', 'Aid arrives in Haiti', ['Aid flights landed in Port-au-Prince on Tuesday.']),
    ],
    { aliases: buildAliasTable(GENERAL_ALIASES) },
  );

  it('is asked again as the best article writes it, and the question stays as asked', () => {
    const answer = answerQuestion(index, 'What traffic around Haiti does the USCG see?', { k: 1 });
    expect(answer.answered).toBe(true);
    expect(answer.question).toBe('What traffic around Haiti does the USCG see?');
    expect(answer.results[0]!.articleId).toBe('haiti');
    expect(answer.results[0]!.excerpt).toContain('Coast Guard');
  });

  it('is still a name the archive lacks when no article writes it out', () => {
    const answer = answerQuestion(index, 'What did the NTSB say about Haiti?', { k: 1 });
    expect(answer.answered).toBe(false);
    expect(answer.reason).toBe('unknown-name');
  });
});
