import type { CampaignWatcher } from '../../plugin/src/index';

/** Resolves with the next 'invalidated' phones of a watcher, or rejects after `ms` (the "within a few seconds" bound). */
export function nextInvalidation(watcher: CampaignWatcher, ms: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no invalidation within ${ms} ms`)), ms);
    watcher.once('invalidated', (phones) => {
      clearTimeout(timer);
      resolve(phones);
    });
  });
}
