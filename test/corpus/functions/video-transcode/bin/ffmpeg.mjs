// Stand-in for a bundled ffmpeg: parses -i IN -vf FILTER OUT and writes OUT.
import { writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const input = args[args.indexOf('-i') + 1];
const out = args[args.length - 1];
writeFileSync(out, `transcoded ${input}\n`);
process.stdout.write(`frames=42 in=${input}\n`);
