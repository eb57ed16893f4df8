import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The API's architecture, enforced (see docs/architecture.md). Layers, lowest
 * first: core → database → log → modules → server. The modules and what each
 * may use come from the one module list, apps/api/src/modules/manifest.json.
 * A module is reached only through its index.ts; nothing reaches up a layer
 * or across to a module it does not use.
 */
const manifest = JSON.parse(readFileSync(new URL('./apps/api/src/modules/manifest.json', import.meta.url), 'utf8'));
const MODULES = manifest.modules.map((module) => module.name);
const MODULES_BELOW = Object.fromEntries(manifest.modules.map((module) => [module.name, module.uses]));

const deepImport = {
  regex: `^(\\.\\./)+(modules/)?(${MODULES.join('|')})/.+`,
  message: "Import another module only through its index.ts (e.g. '../customers'), never its files.",
};
const upward = (names, why) => ({ regex: `^(\\.\\./)+(${names.join('|')})(/|$)`, message: why });

function boundaries(files, patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

const architecture = [
  boundaries(['apps/api/src/core/**/*.ts'], [upward(['database', 'log', 'modules', 'server', 'config'], 'core/ is the lowest layer.')]),
  boundaries(
    ['apps/api/src/database/**/*.ts'],
    [upward(['log', 'modules', 'server'], 'database/ sits below log/, the modules and server/.')],
  ),
  boundaries(['apps/api/src/log/**/*.ts'], [upward(['modules', 'server'], 'log/ sits below the modules and server/.')]),
  ...MODULES.map((module) =>
    boundaries(
      [`apps/api/src/modules/${module}/**/*.ts`],
      [
        deepImport,
        upward(['server'], 'Modules do not depend on the transport (server/); services reach resolvers through the composition root.'),
        upward(['manifest'], 'The module manifest lists every module; no module reads it.'),
        upward(
          MODULES.filter((other) => other !== module && !MODULES_BELOW[module].includes(other)),
          `${module} may use only ${MODULES_BELOW[module].join(', ') || 'no other module'}: dependencies point one way.`,
        ),
      ],
    ),
  ),
  boundaries(['apps/api/src/server/**/*.ts', 'apps/api/src/*.ts'], [deepImport]),
  boundaries(
    ['apps/api/src/demo/**/*.ts'],
    [deepImport, upward(['server'], "The demo calls the modules' services like a client would; app.ts hands them over, not server/.")],
  ),
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', 'apps/dashboard/src/gql/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...architecture,
);
