/**
 * Global setup: every temporary folder a test makes (mkdtemp under os.tmpdir(), in the test
 * processes and in the children they start with the environment passed on) goes into one folder
 * for the run, removed when the run ends, passed or failed. Tests made `newsdesk-*` folders in
 * /tmp and left them (401 seen in a shared /tmp); this holds for tests written later too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-test-run-'));
  // Test workers are forked after this, with this environment.
  process.env.TMPDIR = dir;
  process.env.NEWSDESK_TEST_TMPDIR = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}
