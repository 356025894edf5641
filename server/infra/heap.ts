import { setFlagsFromString } from 'node:v8';

/**
 * Bounds the garbage V8 keeps between major collections. After each one, V8 lets its old generation grow to the
 * live heap times a factor it picks from the collection's speed, up to 4×: on a small live heap that sped through
 * collections, objects of short-lived requests promoted under a flood (or a 10M-row mailing's batches) piled up to
 * +125 MiB of RSS before the next one ran (docs/security.md, "Unauthenticated flood"). A fixed 1.5× keeps the peak
 * within tens of MiB for a few more major collections, whose marking runs mostly off the main thread.
 *
 * V8 reads the flag at each collection, so setting it once at start, before any load, is enough; 0 leaves V8's own.
 */
export function boundHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
