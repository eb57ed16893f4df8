// Prints the production bundle's gzip size: the first page (everything index.html loads:
// the entry, its preloaded static imports and CSS) and the whole build. Run after `vite build`:
//   npm run bundle-size -w @clm/dashboard
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const gzip = (file) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const firstPage = ['index.html', ...[...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((match) => match[1])];
const all = [
  'index.html',
  ...readdirSync(path.join(dist, 'assets'))
    .filter((file) => /\.(js|css)$/.test(file))
    .map((file) => `assets/${file}`),
];
const sum = (files) => files.reduce((total, file) => total + gzip(file), 0);

console.log(`first page (${firstPage.length} files): ${kb(sum(firstPage))} gzip`);
for (const file of firstPage) console.log(`  ${file}: ${kb(gzip(file))}`);
console.log(`total (${all.length} files): ${kb(sum(all))} gzip`);
