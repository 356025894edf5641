import { checkCallingHours, type HoursScope, type WeekWindows } from '../../server/domain/callingHours';
import { ufOfDdd, utcOffsetsOfDdd } from '../../server/domain/ddd';

const NONE = new Map<HoursScope, WeekWindows>();
const SP = 5511987654321;
const ACRE = 5568999887766;
const AMAZONAS_INTERIOR = 5597999887766;
const at = (iso: string) => new Date(iso);

describe('calling hours (domain)', () => {
  it('when DDDs are mapped, then each names its state and its legal offset (Acre −5, Amazonas −4, São Paulo −3; DDD 97 both −4 and −5)', () => {
    expect([ufOfDdd(11), ufOfDdd(68), ufOfDdd(92), ufOfDdd(61), ufOfDdd(99), ufOfDdd(20)]).toEqual(['SP', 'AC', 'AM', 'DF', 'MA', undefined]);
    expect([utcOffsetsOfDdd(11), utcOffsetsOfDdd(68), utcOffsetsOfDdd(92), utcOffsetsOfDdd(67), utcOffsetsOfDdd(97)]).toEqual([[-3], [-5], [-4], [-4], [-4, -5]]);
  });

  it('when it is Sunday in São Paulo, then a call is refused and the next allowed time is Monday 08:00 in São Paulo time', () => {
    // Sunday 6 Dec 2026, 12:00 in São Paulo.
    expect(checkCallingHours(SP, at('2026-12-06T15:00:00Z'), NONE)).toEqual({ allowed: false, uf: 'SP', nextAllowedAt: '2026-12-07T08:00:00-03:00' });
  });

  it('when it is 09:00 in São Paulo, then São Paulo may be called but Acre (07:00 there) may not until 08:00 Acre time', () => {
    const now = at('2026-12-07T12:00:00Z');
    expect(checkCallingHours(SP, now, NONE)).toEqual({ allowed: true, uf: 'SP' });
    expect(checkCallingHours(ACRE, now, NONE)).toEqual({ allowed: false, uf: 'AC', nextAllowedAt: '2026-12-07T08:00:00-05:00' });
  });

  it('when a window ends (Saturday 14:00, weekdays 20:00), then the end is excluded and the next window is the following open day', () => {
    expect(checkCallingHours(SP, at('2026-12-05T16:59:00Z'), NONE).allowed).toBe(true); // Saturday 13:59
    expect(checkCallingHours(SP, at('2026-12-05T17:00:00Z'), NONE)).toMatchObject({ allowed: false, nextAllowedAt: '2026-12-07T08:00:00-03:00' });
    expect(checkCallingHours(SP, at('2026-12-07T23:00:00Z'), NONE)).toMatchObject({ allowed: false, nextAllowedAt: '2026-12-08T08:00:00-03:00' });
  });

  it('when a DDD spans two offsets, then a time is allowed only where both allow it', () => {
    // 12:00Z = 08:00 at −4 but 07:00 at −5: not yet; at 13:00Z both are open.
    expect(checkCallingHours(AMAZONAS_INTERIOR, at('2026-12-07T12:00:00Z'), NONE)).toEqual({ allowed: false, uf: 'AM', nextAllowedAt: '2026-12-07T09:00:00-04:00' });
    expect(checkCallingHours(AMAZONAS_INTERIOR, at('2026-12-07T13:00:00Z'), NONE).allowed).toBe(true);
  });

  it("when the tenant edits a state's hours or the default, then they replace the preset; a week with no window has no next time", () => {
    const sundays = new Map<HoursScope, WeekWindows>([['SP', { weekdays: { start: '08:00', end: '20:00' }, saturday: null, sunday: { start: '10:00', end: '12:00' } }]]);
    expect(checkCallingHours(SP, at('2026-12-06T14:00:00Z'), sundays).allowed).toBe(true);
    const closed = new Map<HoursScope, WeekWindows>([['BR', { weekdays: null, saturday: null, sunday: null }]]);
    expect(checkCallingHours(ACRE, at('2026-12-07T15:00:00Z'), closed)).toEqual({ allowed: false, uf: 'AC', nextAllowedAt: null });
    // São Paulo keeps its own preset over the tenant's default.
    expect(checkCallingHours(SP, at('2026-12-07T15:00:00Z'), closed).allowed).toBe(true);
  });
});
