/**
 * Transactions PostgreSQL aborted because of a concurrent one (deadlock 40P01, serialization failure 40001)
 * can be run again as a whole: they rolled back, so nothing of them was counted. @prisma/adapter-pg puts the
 * SQLSTATE in meta.driverAdapterError.cause.originalCode (raw queries) or in `code`.
 */
const CONFLICT_SQLSTATES = new Set(['40P01', '40001']);

type ErrorLike = { code?: unknown; originalCode?: unknown; meta?: { driverAdapterError?: { cause?: unknown } }; cause?: unknown };

export function isTransactionConflict(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const candidate = error as ErrorLike;
  for (const code of [candidate.code, candidate.originalCode]) if (typeof code === 'string' && CONFLICT_SQLSTATES.has(code)) return true;
  return isTransactionConflict(candidate.meta?.driverAdapterError, depth + 1) || isTransactionConflict(candidate.cause, depth + 1);
}

/** Runs `transaction` again (up to `attempts` times, with a short jittered pause) when it lost a conflict. */
export async function retryOnConflict<T>(transaction: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= attempts || !isTransactionConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
