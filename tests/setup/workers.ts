/**
 * Setup file of every test file: worker threads started in the test process run the run's
 * compiled copy of src/workers (tests/setup/build.ts) on plain node. Through tsx, each thread
 * compiled its modules again, a second or more per thread.
 */
import { join } from 'node:path';
import { useCompiledWorkers } from '../../src/workers/thread.js';

const build = process.env.NEWSDESK_TEST_BUILD;
if (build) useCompiledWorkers(join(build, 'src', 'workers'));
