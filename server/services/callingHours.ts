import type { PrismaClient } from '../generated/prisma/client';
import { CALLING_HOURS_PRESETS, HOURS_SCOPES, isHoursScope, windowsFor, type HoursScope, type WeekWindows } from '../domain/callingHours';
import { isUf } from '../domain/ddd';
import type { AuditLog } from './audit';

export type CallingHoursView = {
  scope: HoursScope;
  windows: WeekWindows;
  /** `tenant`: this tenant's own rule; `preset`: the product's default (its legal source beside it). */
  from: 'tenant' | 'preset';
  presetSource: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
};

/** A tenant's calling hours: presets (domain/callingHours.ts) that its admins may override per state or for all. */
export class CallingHoursService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditLog,
  ) {}

  /** The tenant's own rules, for checking numbers (a few rows; read per check so every instance sees edits at once). */
  async rulesOf(tenantId: string): Promise<Map<HoursScope, WeekWindows>> {
    const rows = await this.prisma.callingHours.findMany({ where: { tenantId } });
    return new Map(rows.filter((row) => isHoursScope(row.scope)).map((row) => [row.scope as HoursScope, row.windows as WeekWindows]));
  }

  /** Every state's windows as they apply to this tenant, and where each comes from. */
  async view(tenantId: string): Promise<CallingHoursView[]> {
    const rows = new Map((await this.prisma.callingHours.findMany({ where: { tenantId } })).map((row) => [row.scope, row]));
    const rules = await this.rulesOf(tenantId);
    return HOURS_SCOPES.map((scope) => {
      const own = rows.get(scope);
      const preset = CALLING_HOURS_PRESETS[scope];
      return {
        scope,
        windows: own ? (own.windows as WeekWindows) : scope === 'BR' ? windowsFor(undefined, new Map()) : windowsFor(isUf(scope) ? scope : undefined, rules),
        from: own ? 'tenant' : 'preset',
        presetSource: preset?.source ?? (scope === 'BR' ? null : 'as BR'),
        updatedBy: own?.updatedBy ?? null,
        updatedAt: own?.updatedAt.toISOString() ?? null,
      };
    });
  }

  /** Sets a state's windows (or BR's), or with `null` goes back to the preset. Audited. */
  async set(tenantId: string, actor: string, scope: HoursScope, windows: WeekWindows | null): Promise<CallingHoursView[]> {
    if (windows === null) {
      await this.prisma.callingHours.deleteMany({ where: { tenantId, scope } });
    } else {
      await this.prisma.callingHours.upsert({
        where: { tenantId_scope: { tenantId, scope } },
        create: { tenantId, scope, windows, updatedBy: actor },
        update: { windows, updatedBy: actor, updatedAt: new Date() },
      });
    }
    await this.audit.record({ tenantId, actor, action: 'calling-hours.changed', target: `calling-hours:${scope}`, details: { windows } });
    return this.view(tenantId);
  }
}
