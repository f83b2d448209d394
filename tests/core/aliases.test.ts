import { describe, expect, it } from 'vitest';
import { buildAliasTable, mergeAliasFiles } from '../../src/core/aliases.js';
import { terms } from '../../src/core/text.js';
import { parseAliases } from '../../src/aliasFile.js';

const general = {
  aliases: [{ names: ['United States', 'U.S.'], exact: ['US'] }, { names: ['NATO'] }],
  synonyms: [['GOP', 'Republican']],
};

describe('mergeAliasFiles', () => {
  it("joins a general group to the archive's group that shares a name, keeping the archive's term", () => {
    const merged = mergeAliasFiles(general, { aliases: [{ names: ['USA', 'united states', 'American forces'] }] });
    expect(merged.aliases).toHaveLength(2);
    expect(merged.aliases![0]!.names).toEqual(['USA', 'united states', 'American forces', 'U.S.']);
    expect(merged.aliases![0]!.exact).toEqual(['US']);
    const table = buildAliasTable(merged);
    expect(terms('US troops', table)).toEqual(terms('American forces troops', table));
    expect(terms('US troops', table)[0]).toBe('_usa');
  });

  it('adds the general groups to an archive without an alias file, and validates the archive data', () => {
    expect(mergeAliasFiles(general, undefined).aliases).toHaveLength(2);
    expect(() => mergeAliasFiles(general, { aliases: [{ names: [] }] })).toThrow();
  });

  it('lets a question saying "US" meet an article saying "U.S." with no alias file at all', () => {
    const table = parseAliases(undefined, '', []);
    expect(terms('What did the US say?', table)).toEqual(terms('What did the U.S. say?', table));
    expect(terms('What did the US say?', table)).toHaveLength(1);
    // "us" the pronoun is no country.
    expect(terms('Tell us more', table)).not.toContain(terms('US', table)[0]);
  });
});
