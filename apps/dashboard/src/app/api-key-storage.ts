/*
 * The API key lives in sessionStorage only: it survives a reload of this tab
 * and is gone when the tab closes or the user signs out.
 */

const STORAGE_KEY = 'clm.apiKey';

export function readApiKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeApiKey(apiKey: string): void {
  sessionStorage.setItem(STORAGE_KEY, apiKey);
}

export function forgetApiKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
