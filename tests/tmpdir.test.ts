import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('temporary folders of the test run', () => {
  it('are made inside the run’s own folder, which the global setup removes at the end', () => {
    const run = process.env.NEWSDESK_TEST_TMPDIR;
    expect(run).toMatch(/newsdesk-test-run-/);
    expect(tmpdir()).toBe(run);
    const made = mkdtempSync(join(tmpdir(), 'newsdesk-probe-'));
    expect(dirname(made)).toBe(run);
  });
});
