import { readdirSync } from 'node:fs';
import root from '../../eslint.config.mjs';

/*
 * The dashboard's shape, enforced: imports point down only.
 *
 *   app/         the shell: App, routing, the Apollo client, sign-in, the layout
 *   pages/<p>/   one folder per screen; never imports app/ or another page
 *   components/  the shared kit (presentational); never imports pages/ or app/
 *   lib/         hooks and pure logic every page shares; never imports components/, pages/ or app/
 *   gql/         generated typed documents (codegen), importable from anywhere
 *
 * ESLint 10 looks up the configuration from each linted file's directory, so
 * this file applies to the dashboard whichever directory eslint runs from; it
 * extends the repository's rules. Its `files` and `ignores` are relative to
 * this directory.
 */
const PAGES = readdirSync(new URL('./src/pages/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const upward = (names, why) => ({ regex: `^(\\.\\./)+(${names.join('|')})(/|$)`, message: why });

function boundaries(files, patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default [
  ...root,
  { ignores: ['src/gql/**', 'dist/**'] },
  boundaries(['src/lib/**/*.{ts,tsx}'], [upward(['components', 'pages', 'app'], 'lib/ is the lowest layer: hooks and pure logic only.')]),
  boundaries(['src/components/**/*.{ts,tsx}'], [upward(['pages', 'app'], 'components/ is the shared kit: it knows no page and no shell.')]),
  ...PAGES.map((page) =>
    boundaries(
      [`src/pages/${page}/**/*.{ts,tsx}`],
      [
        upward(['app'], 'Pages do not reach into the shell; what they share with it lives in lib/.'),
        upward(
          PAGES.filter((other) => other !== page),
          `The ${page} page does not import another page: move what both need to components/ or lib/.`,
        ),
      ],
    ),
  ),
];
