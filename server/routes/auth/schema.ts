import { z } from 'zod';
import { dbSafeText } from '../../http/validate';

/** RFC 5321's longest deliverable address; longer is never an admin, and never reaches the limiter or the database. */
export const EMAIL_MAX = 254;
/** Long passphrases welcome; scrypt hashes any length in the same time, but a bound keeps the body small. */
export const PASSWORD_MAX = 1024;
export const PASSWORD_MIN = 10;

export const email = () => dbSafeText().trim().max(EMAIL_MAX, `must be at most ${EMAIL_MAX} characters`).email('must be an email address');
export const newPassword = () =>
  dbSafeText().min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);

export const loginBody = z.object({
  email: email(),
  password: dbSafeText().min(1, 'is required').max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`),
});
