export default async function globalTeardown(): Promise<void> {
  await globalThis.__CLM_EMBEDDED__?.stop();
}
