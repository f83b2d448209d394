import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerQuestion } from '../src/core/answer.js';
import { openEngine } from '../src/engine.js';

const SEEDS = new URL('./fixtures/seeds', import.meta.url).pathname;

function tempCorpus() {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-engine-'));
  cpSync(SEEDS, join(dir, 'corpus'), { recursive: true });
  return { corpus: join(dir, 'corpus'), indexPath: join(dir, 'data', 'index.json') };
}

describe('openEngine and the saved index', () => {
  it('builds and saves the index, then loads it and answers the same', async () => {
    const paths = tempCorpus();
    const built = await openEngine(paths);
    expect(built.origin).toBe('built');
    expect(built.index.articles).toHaveLength(5);
    const loaded = await openEngine(paths);
    expect(loaded.origin).toBe('cache');
    const q = 'How many White Helmets did Jordan take in?';
    expect(answerQuestion(loaded.index, q)).toEqual(answerQuestion(built.index, q));
  });

  it.runIf(existsSync('/proc/self/fd'))(
    'serves a new build from the file it saved, as a restart would, and answers the same as the build',
    async () => {
      const paths = tempCorpus();
      const openFiles = () =>
        readdirSync('/proc/self/fd').map((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`);
          } catch {
            return '';
          }
        });
      const built = await openEngine(paths);
      expect(built.origin).toBe('built');
      // The index holds the saved file open: its passage text is read from there.
      expect(openFiles()).toContain(realpathSync(paths.indexPath));
      const inMemory = await openEngine({ ...paths, indexPath: null });
      for (const q of ['How many White Helmets did Jordan take in?', 'Who leads the Syrian Democratic Forces?']) {
        expect(answerQuestion(built.index, q)).toEqual(answerQuestion(inMemory.index, q));
      }
    },
  );

  it('rebuilds when a corpus file changes', async () => {
    const paths = tempCorpus();
    await openEngine(paths);
    appendFileSync(join(paths.corpus, '000_265a22b589eca241.txt'), '\nA zeppelin landed in Raqqa on Tuesday.\n');
    const again = await openEngine(paths);
    expect(again.origin).toBe('built');
    expect(again.rebuildReason).toBe('corpus or aliases changed');
    expect(answerQuestion(again.index, 'Where did the zeppelin land?').results[0]?.excerpt).toContain('zeppelin');
  });

  it('rebuilds when the saved index is unreadable or of another format', async () => {
    const paths = tempCorpus();
    const first = await openEngine(paths);
    const whole = readFileSync(paths.indexPath);
    // An index from an older release (JSON), a file cut short by a crash, another format version.
    writeFileSync(paths.indexPath, '{"index": {"formatVersion": 1}');
    const foreign = await openEngine(paths);
    expect(foreign.origin).toBe('built');
    expect(foreign.rebuildReason).toBe('saved index is not an index file');
    for (const cut of [whole.length - 5, Math.floor(whole.length / 2), 40]) {
      writeFileSync(paths.indexPath, whole.subarray(0, cut));
      const broken = await openEngine(paths);
      expect(broken.origin).toBe('built');
      expect(broken.rebuildReason).toMatch(/^saved index unreadable/);
      expect(broken.index.passages.length).toBe(first.index.passages.length);
    }
    const older = Buffer.from(whole);
    older.writeUInt32LE(0, 4);
    writeFileSync(paths.indexPath, older);
    expect((await openEngine(paths)).rebuildReason).toBe('saved index has another format version');
    expect((await openEngine(paths)).origin).toBe('cache');
  });

  it('starts from the saved index with the aliases it was built with, and with the alias file’s warnings', async () => {
    const paths = tempCorpus();
    writeFileSync(join(paths.corpus, 'aliases.yaml'), 'aliases:\n  - names: [White Helmets, Lifesaver Brigades]\n');
    const built = await openEngine(paths);
    const loaded = await openEngine(paths);
    expect(loaded.origin).toBe('cache');
    const q = 'How many Lifesaver Brigades did Jordan take in?';
    expect(answerQuestion(built.index, q).results[0]?.excerpt).toMatch(/White Helmets/);
    expect(answerQuestion(loaded.index, q)).toEqual(answerQuestion(built.index, q));

    writeFileSync(join(paths.corpus, 'aliases.yaml'), 'aliases:\n  - names: []\n');
    const broken = await openEngine(paths);
    expect(broken.origin).toBe('built');
    expect(broken.warnings).toEqual([
      { file: join(paths.corpus, 'aliases.yaml'), reason: expect.stringMatching(/^alias file ignored: /) },
    ]);
    const again = await openEngine(paths);
    expect(again.origin).toBe('cache');
    expect(again.warnings).toEqual(broken.warnings);
    expect(answerQuestion(again.index, q).results[0]?.excerpt ?? '').not.toMatch(/White Helmets/);
  });

  it('skips a malformed file with a warning and loads the rest', async () => {
    const paths = tempCorpus();
    writeFileSync(join(paths.corpus, 'broken.jsonl'), '{"title": "ok", "body": "Fine text."}\n{not json}\n');
    const engine = await openEngine(paths);
    expect(engine.index.articles).toHaveLength(6);
    expect(engine.warnings).toEqual([
      { file: 'broken.jsonl', line: 2, reason: expect.stringMatching(/^invalid JSON: /) },
    ]);
  });
});
