import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * The flags the browser tests use. Playwright adds `--headless`, a new empty
 * `--user-data-dir` in the temporary directory (deleted on close) and, unless
 * the sandbox is asked for, `--no-sandbox`. @sparticuz/chromium's own `args`
 * are for AWS Lambda (`--single-process`, `--disable-web-security`, WebGL on
 * SwiftShader …) and are not used: the tests want an ordinary browser.
 */
const ARGS = ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/**
 * What every browser test's context asks for: reduced motion, so the
 * dashboard (which honours `prefers-reduced-motion`) renders every element in
 * its final state at once. Nothing is measured mid-animation (axe's colour
 * contrast on a feed item fading in from opacity 0 was, on a loaded machine),
 * and no test waits for an animation to end.
 */
export const TEST_CONTEXT: BrowserContextOptions = { reducedMotion: 'reduce', deviceScaleFactor: 1 };

/** A new context with TEST_CONTEXT and `options` (a viewport, say). */
export function openContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ ...TEST_CONTEXT, ...options });
}

/** A page in a context of its own (closed with the page) with TEST_CONTEXT and `options`. */
export function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  return browser.newPage({ ...TEST_CONTEXT, ...options });
}

type FoundChromium = { source: string; executablePath: string; env?: Record<string, string> };

/**
 * Launches headless Chromium for a test and logs which binary it is: the one
 * in CHROMIUM_PATH if set, else Debian's /usr/bin/chromium when installed,
 * else the Chromium shipped inside the npm package @sparticuz/chromium
 * (unpacked once into node_modules/.cache). Sandboxed unless running as root
 * (Chromium refuses to) or the machine forbids the sandbox's user namespaces
 * (Docker, Ubuntu 24.04's AppArmor); then with --no-sandbox.
 */
export async function launchChromium(): Promise<Browser> {
  const found = await findChromium();
  const launch = (sandbox: boolean) =>
    chromium.launch({ executablePath: found.executablePath, headless: true, chromiumSandbox: sandbox, args: ARGS, env: found.env });
  let sandbox = process.getuid?.() !== 0;
  let browser: Browser;
  try {
    browser = await launch(sandbox);
  } catch (error) {
    if (!sandbox || !String(error).includes('sandboxing failed')) throw error;
    console.warn(`Chromium's sandbox is not available on this machine; launching with --no-sandbox`);
    sandbox = false;
    browser = await launch(sandbox);
  }
  console.info(`Chromium ${browser.version()} from ${found.source}: ${found.executablePath}${sandbox ? '' : ' (--no-sandbox)'}`);
  return browser;
}

async function findChromium(): Promise<FoundChromium> {
  const fromEnv = process.env.CHROMIUM_PATH;
  // `CHROMIUM_PATH=bundled` forces the npm package's Chromium (CI tests the fresh-machine path with it).
  if (fromEnv === 'bundled') return sparticuzChromium();
  if (fromEnv) return { source: 'CHROMIUM_PATH', executablePath: fromEnv };
  if (existsSync(DEBIAN_CHROMIUM)) return { source: "Debian's chromium package", executablePath: DEBIAN_CHROMIUM };
  return sparticuzChromium();
}

/**
 * @sparticuz/chromium's headless shell, with what it needs beside it: NSS and
 * NSPR (not on a minimal Debian) from the package's Amazon Linux 2023 libraries,
 * and a fontconfig file that adds its Open Sans to the system's fonts (a
 * machine without fonts would render no text in the screenshot).
 */
async function sparticuzChromium(): Promise<FoundChromium> {
  const packageDir = path.resolve(path.dirname(require.resolve('@sparticuz/chromium')), '..');
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const dir = path.resolve(packageDir, '..', '..', '.cache', `sparticuz-chromium-${version}`);
  if (!existsSync(dir)) await unpack(packageDir, dir);
  const inherited = Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const libraries = path.join(dir, 'al2023', 'lib');
  return {
    source: `@sparticuz/chromium ${version}`,
    executablePath: path.join(dir, 'chromium'),
    env: {
      ...Object.fromEntries(inherited),
      LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ? `${libraries}:${process.env.LD_LIBRARY_PATH}` : libraries,
      FONTCONFIG_FILE: path.join(dir, 'fonts.conf'),
    },
  };
}

/**
 * Unpacks @sparticuz/chromium into `dir`: its `executablePath()` and `inflate()`
 * write into the temporary directory, so they run in a Node process of their
 * own (the package is ESM, which Jest's module system does not load) with
 * TMPDIR set to a staging directory that is renamed to `dir` once complete.
 */
async function unpack(packageDir: string, dir: string): Promise<void> {
  const started = Date.now();
  await mkdir(path.dirname(dir), { recursive: true });
  const staging = await mkdtemp(`${dir}.partial-`);
  try {
    const script = `
      const { default: chromium, inflate } = await import(process.argv[1]);
      const executable = await chromium.executablePath();
      await inflate(process.argv[2]);
      process.stdout.write(executable);`;
    const entry = pathToFileURL(path.join(packageDir, 'build', 'index.js')).href;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, entry, path.join(packageDir, 'bin', 'al2023.tar.br')],
      { env: { ...process.env, TMPDIR: staging } },
    );
    if (stdout !== path.join(staging, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${stdout}, not to ${staging}`);
    const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    await writeFile(
      path.join(staging, 'fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        '<fontconfig>',
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        `  <dir>${xml(path.join(dir, 'fonts'))}</dir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    await rename(staging, dir).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(dir)) throw error; // else a concurrent run unpacked it first
    });
    console.info(`Unpacked @sparticuz/chromium into ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
