import { PassThrough } from 'node:stream';
import { openEngine } from '/work/wt-n1/src/engine.js';
import { answerLines } from '/work/wt-n1/src/terminal.js';
const engine = await openEngine({ corpus: '/work/wt-n1/tests/fixtures/seeds', indexPath: null });
function tty<T extends PassThrough>(stream: T, columns = 60): T { Object.assign(stream, { isTTY: true, columns, setRawMode: () => stream }); return stream; }
const input = tty(new PassThrough()); const out = tty(new PassThrough(), 60);
let text = ''; out.on('data', (d: Buffer) => (text += d.toString()));
const done = answerLines(() => engine.index, input, out, { json: false, k: 1, prompt: '> ', env: { NO_COLOR: '1' } });
input.write('Where is Tail?'); input.write('\x1b[D\x1b[D\x1b[D'); input.write('s\r');
await new Promise((r) => setTimeout(r, 50)); input.write('\x1b[A\r'); await new Promise((r) => setTimeout(r, 50)); input.end();
console.log(await done); console.log(JSON.stringify(text));
