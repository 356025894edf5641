import { z } from 'zod';
import { dbSafeText, uuidText } from '../../http/validate';
import { email, newPassword, PASSWORD_MAX } from '../auth/schema';

export const inviteAdminBody = z.object({
  email: email(),
  name: dbSafeText().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  /** The first password, given to the new admin out of band; they change it with PUT /v1/me/password. */
  password: newPassword(),
});
export const adminParams = z.object({ adminId: uuidText('must be an admin id') });
export const changePasswordBody = z.object({
  currentPassword: dbSafeText().min(1, 'is required').max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`),
  newPassword: newPassword(),
});
