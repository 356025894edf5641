/**
 * The one polling helper of the tests: waits until `check` holds, and fails naming `what` once `ms` have passed.
 * The deadline is generous on purpose: it bounds a hang, it does not assert a speed (benchmarks do that).
 */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
