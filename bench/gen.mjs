// Log generator: writes LINES numbered lines of exactly 100 bytes to stdout, in CHUNK-byte
// writes that ignore line boundaries (like C stdio's full buffering), records its own start/end
// wall-clock times in STAT_PATH, then idles until killed (so a supervisor does not respawn it).
//   node gen.mjs LINES STAT_PATH [CHUNK]
// Line n (1-based): 8-digit zero-padded n, a space, 90 payload characters, '\n'.
import { writeFileSync, writeSync } from 'node:fs';

const lines = Number(process.argv[2] ?? 200_000);
const statPath = process.argv[3];
const chunk = Number(process.argv[4] ?? 4096);
export const PAYLOAD = 'x'.repeat(90);

const buf = Buffer.allocUnsafe(lines * 100);
const tail = ` ${PAYLOAD}\n`;
for (let i = 0; i < lines; i++) {
  const off = i * 100;
  buf.write(String(i + 1).padStart(8, '0'), off, 'latin1');
  buf.write(tail, off + 8, 'latin1');
}

const wall = () => performance.timeOrigin + performance.now();
const sab = new Int32Array(new SharedArrayBuffer(4));
const start = wall();
let off = 0;
while (off < buf.length) {
  try {
    off += writeSync(1, buf, off, Math.min(chunk, buf.length - off));
  } catch (e) {
    if (e.code !== 'EAGAIN') throw e;
    Atomics.wait(sab, 0, 0, 1);
  }
}
const end = wall();
if (statPath) writeFileSync(statPath, JSON.stringify({ start, end, lines, bytes: buf.length, chunk }));
setInterval(() => {}, 1 << 30);
